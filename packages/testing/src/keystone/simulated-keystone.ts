import type { KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readJsonObject, sendJson, SimServer, SimulatedServer, type Route, type SimRequest } from '../sim-server.js';
import { Catalog } from './catalog.js';
import { catalogRoutes, type CatalogApiHost } from './catalog-api.js';
import { endpointGroupRoutes } from './endpoint-group-api.js';
import { projectRoutes, renderProject } from './project-api.js';
import { Directory, SYSTEM_TARGET, type Role } from './directory.js';
import { MESSAGES, sendKeystoneError, sendShibbolethError } from './keystone-errors.js';
import { identityProviderRoutes } from './identity-provider.js';
import { ECP_CONSUMER_PATH, ShibbolethServiceProvider, type TrustedIdentityProvider } from './shibboleth-sp.js';
import { renderToken, type RegisteredServiceProvider } from './token-body.js';
import { TokenStore, type TokenCheck, type TokenRecord } from './tokens.js';
import { applicationCredentialRoutes, ApplicationCredentials, type AccessRuleInput } from './application-credentials.js';
import type { CheckedToken, TokenChecker } from '../services/token-checker.js';
import { authenticate, resolveScope, type AuthBody } from './authenticate.js';

export interface SimulatedKeystoneOptions {
  /** The cloud's name; as a service provider, its id at the IdP. Default 'keystone'. */
  name?: string;
  /** Lifetime of issued tokens, in seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
}

/**
 * A Keystone v3 on loopback that answers like the real one (Zed) for what K2K uses: password and
 * token authentication (project, domain or system scope), token validation and revocation,
 * scopable projects, the IdP's SAML2 ECP endpoint, and the SP's Shibboleth ECP consumer and
 * federation auth. Every call is logged by route; faults can be switched on.
 */
export class SimulatedKeystone extends SimulatedServer implements TokenChecker {
  readonly directory = new Directory();
  readonly catalog = new Catalog();
  private readonly applicationCredentials = new ApplicationCredentials();
  readonly tokens: TokenStore;
  /** Service providers registered at this Keystone as an IdP */
  readonly serviceProviders: RegisteredServiceProvider[] = [];
  protected readonly server: SimServer;
  private readonly serviceProvider: ShibbolethServiceProvider;
  private readonly lifetimeSeconds: number;
  private idpIdentity?: { entityId: string; signingKey: KeyObject };
  /** The cloud's name; as a service provider, its id at the IdP */
  readonly id: string;

  private constructor(options: SimulatedKeystoneOptions) {
    super();
    this.id = options.name ?? 'keystone';
    this.lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.tokens = new TokenStore(this.lifetimeSeconds);
    this.serviceProvider = new ShibbolethServiceProvider({
      url: () => this.url,
      directory: this.directory,
      tokens: this.tokens,
      fail: (request, status, message) => this.fail(request, status, message),
      sendToken: (request, token) => this.sendToken(request, 201, token, false),
    });
    this.server = new SimServer(this.routes(), (res, status, message) =>
      status === 404 && !res.req.url?.startsWith('/v3') ? sendShibbolethError(res, 'Not Found') : sendKeystoneError(res, status, message, this.authUrl),
    );
  }

  static async start(options: SimulatedKeystoneOptions = {}): Promise<SimulatedKeystone> {
    const keystone = new SimulatedKeystone(options);
    await keystone.server.start();
    return keystone;
  }

  /** http://127.0.0.1:PORT */
  get url(): string {
    return this.server.url();
  }

  /** http://127.0.0.1:PORT/v3 */
  get authUrl(): string {
    return `${this.url}/v3`;
  }

  /** The ECP consumer URL of this Keystone as an SP (its `sp_url` at the IdP). */
  get spUrl(): string {
    return `${this.url}${ECP_CONSUMER_PATH}`;
  }

  /** The federation auth URL for an IdP this SP trusts (its `auth_url` at the IdP). */
  federationAuthUrlFor(idpId: string, protocol: string): string {
    return `${this.authUrl}/OS-FEDERATION/identity_providers/${idpId}/protocols/${protocol}/auth`;
  }

  /** The federation auth URL for the first IdP this SP trusts. */
  get federationAuthUrl(): string {
    const idp = this.serviceProvider.trusted[0];
    if (!idp) throw new Error(`${this.id} trusts no identity provider`);
    return this.federationAuthUrlFor(idp.id, idp.protocol);
  }

  /** Makes this Keystone an IdP that signs ECP assertions. */
  actAsIdentityProvider(entityId: string, signingKey: KeyObject): void {
    this.idpIdentity = { entityId, signingKey };
  }

  /** The SAML entity id of this Keystone as an IdP. */
  get entityId(): string | undefined {
    return this.idpIdentity?.entityId;
  }

  registerServiceProvider(sp: RegisteredServiceProvider): void {
    this.serviceProviders.push(sp);
  }

  /** Makes this Keystone an SP trusting an IdP; its federated users get a domain of their own. */
  trustIdentityProvider(idp: TrustedIdentityProvider): void {
    this.serviceProvider.trust(idp);
  }

  /**
   * An application credential of a user (by name, domain Default) on one of its projects, as
   * `POST /v3/users/{id}/application_credentials` makes one; `accessRules` limit its tokens.
   */
  addApplicationCredential(userName: string, projectName: string, name: string, secret: string, accessRules?: AccessRuleInput[]): string {
    const user = this.directory.user({ name: userName, domain: { id: 'default' } });
    const project = this.directory.project({ name: projectName, domain: { id: 'default' } });
    if (!user || !project) throw new Error(`no user ${userName} or project ${projectName}`);
    return this.applicationCredentials.add(user.id, project.id, name, secret, accessRules).id;
  }

  /** Issues a token for a user (by name, domain Default) without a password: a test shortcut. */
  issueToken(userName: string, projectName?: string): string {
    const user = this.directory.user({ name: userName, domain: { id: 'default' } });
    if (!user) throw new Error(`no user ${userName}`);
    const project = projectName === undefined ? undefined : this.directory.project({ name: projectName, domain: { id: 'default' } });
    if (projectName !== undefined && !project) throw new Error(`no project ${projectName}`);
    return this.tokens.issue({ userId: user.id, methods: ['password'], projectId: project?.id }).id;
  }

  expireToken(id: string): void {
    this.tokens.expire(id);
  }

  revokeToken(id: string): void {
    this.tokens.revoke(id);
  }

  /** The id of every token this Keystone issued so far, over HTTP or through issueToken (e.g. to check that none leaked into logs). */
  issuedTokens(): string[] {
    return this.tokens.all().map((token) => token.id);
  }

  /** What this Keystone knows of a token. */
  inspectToken(id: string | undefined): TokenCheck {
    return this.tokens.check(id);
  }

  /** The TokenChecker the fake services of this cloud use. */
  async check(id: string | undefined): Promise<CheckedToken | undefined> {
    const check = this.tokens.check(id);
    return check.ok ? { projectId: check.token.projectId } : undefined;
  }

  private routes(): Route[] {
    return [
      { method: 'GET', pattern: /^\/v3\/?$/, name: 'version', handle: (r) => this.version(r) },
      { method: 'POST', pattern: /^\/v3\/auth\/tokens$/, name: 'tokens.issue', handle: (r) => this.issue(r) },
      { method: 'GET', pattern: /^\/v3\/auth\/tokens$/, name: 'tokens.validate', handle: (r) => this.validate(r) },
      { method: 'DELETE', pattern: /^\/v3\/auth\/tokens$/, name: 'tokens.revoke', handle: (r) => this.revoke(r) },
      { method: 'GET', pattern: /^\/v3\/auth\/projects$/, name: 'auth.projects', handle: (r) => this.scopableProjects(r) },
      ...identityProviderRoutes({
        ...this.adminApiHost(),
        directory: this.directory,
        tokens: this.tokens,
        lifetimeSeconds: this.lifetimeSeconds,
        serviceProviders: this.serviceProviders,
        signer: () => this.idpIdentity,
        rolesOf: (token) => this.rolesOf(token),
      }),
      ...this.serviceProvider.routes(),
      ...catalogRoutes(this.catalog, this.adminApiHost()),
      ...applicationCredentialRoutes(this.applicationCredentials, { ...this.adminApiHost(), projectOf: (token) => token.projectId }),
      ...endpointGroupRoutes(this.catalog, this.adminApiHost(), (id) => this.directory.project({ id }) !== undefined),
      ...projectRoutes(this.directory, this.adminApiHost()),
    ];
  }

  private adminApiHost(): CatalogApiHost {
    return {
      authUrl: () => this.authUrl,
      caller: (r: SimRequest) => this.caller(r),
      isAdmin: (token: TokenRecord) => this.rolesOf(token).some((role) => role.name === 'admin'),
      fail: (r: SimRequest, status: number, message: string) => this.fail(r, status, message),
    };
  }

  private fail(request: SimRequest, status: number, message: string): void {
    sendKeystoneError(request.res, status, message, this.authUrl);
  }

  private version({ res }: SimRequest): void {
    sendJson(res, 200, {
      version: {
        id: 'v3.14',
        status: 'stable',
        updated: '2020-04-07T00:00:00Z',
        links: [{ rel: 'self', href: `${this.authUrl}/` }],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
      },
    }, { vary: 'X-Auth-Token' });
  }

  private sendToken(request: SimRequest, status: number, token: TokenRecord, withCatalog: boolean): void {
    sendJson(request.res, status, renderToken(token, this.directory, this.catalog, this.serviceProviders, withCatalog), {
      'x-subject-token': token.id,
      vary: 'X-Auth-Token',
    });
  }

  private async issue(request: SimRequest): Promise<void> {
    const auth = (await readJsonObject(request.req))?.auth as AuthBody | undefined;
    const methods = auth?.identity?.methods;
    if (!auth || !Array.isArray(methods) || methods.length === 0) return this.fail(request, 400, MESSAGES.badRequest);
    const credentials = authenticate(auth.identity ?? {}, methods, { tokens: this.tokens, directory: this.directory, applicationCredentials: this.applicationCredentials });
    if ('status' in credentials) return this.fail(request, credentials.status, credentials.message);
    const credential = credentials.applicationCredential;
    // An application credential is scoped to its own project: Keystone refuses another scope.
    if (credential && auth.scope) return this.fail(request, 401, MESSAGES.unauthorized);
    const scope = credential ? { projectId: credential.projectId } : resolveScope(auth.scope, credentials, this.directory);
    if ('status' in scope) return this.fail(request, scope.status, scope.message);
    const parent = credentials.parent;
    const token = this.tokens.issue({
      userId: credentials.user.id,
      methods: parent ? ['token', ...parent.methods.filter((m) => m !== 'token')] : credential ? ['application_credential'] : ['password'],
      ...(credential && { applicationCredential: { id: credential.id, name: credential.name, ...(credential.accessRules && { accessRules: credential.accessRules }) } }),
      projectId: scope.projectId,
      domainId: scope.domainId,
      system: scope.system,
      federation: credentials.federation,
      expiresAt: parent?.expiresAt,
      parentAuditId: parent?.auditIds[0],
    });
    this.sendToken(request, 201, token, request.query.get('nocatalog') === null);
  }

  /** The caller's token (X-Auth-Token), or a 401 answered. */
  private caller(request: SimRequest): TokenRecord | undefined {
    const check = this.tokens.check(header(request.req, 'x-auth-token'));
    if (check.ok) return check.token;
    this.fail(request, 401, MESSAGES.unauthorized);
    return undefined;
  }

  /** Keystone's default policy for token validation: an admin or service role, or the token's own user. */
  private mayInspect(caller: TokenRecord, subject: TokenRecord): boolean {
    return caller.userId === subject.userId || this.rolesOf(caller).some((role) => role.name === 'admin' || role.name === 'service');
  }

  private rolesOf(token: TokenRecord): Role[] {
    const target = token.projectId ?? token.domainId ?? (token.system ? SYSTEM_TARGET : undefined);
    return target ? this.directory.rolesOn(token.userId, token.federation?.groupIds ?? [], target) : [];
  }

  private subject(request: SimRequest, allowExpired: boolean): TokenRecord | undefined {
    const check = this.tokens.check(header(request.req, 'x-subject-token'), allowExpired);
    if (check.ok) return check.token;
    this.fail(request, 404, check.reason === 'unknown' ? MESSAGES.unrecognizedToken : MESSAGES.failedToValidate);
    return undefined;
  }

  private validate(request: SimRequest): void {
    const caller = this.caller(request);
    const subject = caller && this.subject(request, request.query.has('allow_expired') && request.query.get('allow_expired') !== '0');
    if (!caller || !subject) return;
    if (!this.mayInspect(caller, subject)) return this.fail(request, 403, MESSAGES.forbiddenValidate);
    // A validator that does not declare it enforces access rules never sees a token that has them.
    if (subject.applicationCredential?.accessRules && !request.req.headers['openstack-identity-access-rules']) return this.fail(request, 404, MESSAGES.failedToValidate);
    this.sendToken(request, 200, subject, !request.query.has('nocatalog'));
  }

  private revoke(request: SimRequest): void {
    const caller = this.caller(request);
    const subject = caller && this.subject(request, false);
    if (!caller || !subject) return;
    if (!this.mayInspect(caller, subject)) return this.fail(request, 403, MESSAGES.forbiddenValidate);
    this.tokens.revoke(subject.id);
    request.res.writeHead(204, { vary: 'X-Auth-Token' }).end();
  }

  private scopableProjects(request: SimRequest): void {
    const caller = this.caller(request);
    if (!caller) return;
    const projects = this.directory.projectsOf(caller.userId, caller.federation?.groupIds ?? []);
    sendJson(request.res, 200, {
      projects: projects.map((project) => renderProject(project, this.authUrl)),
      links: { next: null, self: `${this.authUrl}/auth/projects`, previous: null },
    }, { vary: 'X-Auth-Token' });
  }

}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
