import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readBody, readJsonObject, sendJson, SimServer, SimulatedServer, type Route, type SimRequest } from '../sim-server.js';
import { Catalog } from './catalog.js';
import { catalogRoutes, type CatalogApiHost } from './catalog-api.js';
import { endpointGroupRoutes } from './endpoint-group-api.js';
import { projectRoutes, renderProject } from './project-api.js';
import { Directory, SYSTEM_TARGET, type Role } from './directory.js';
import { newId } from './ids.js';
import { MESSAGES, sendKeystoneError, sendShibbolethError } from './keystone-errors.js';
import { buildEcpEnvelope, verifyEcpEnvelope, type VerifiedAssertion } from './saml.js';
import { renderToken, type RegisteredServiceProvider } from './token-body.js';
import { TokenStore, type FederatedIdentity, type TokenCheck, type TokenRecord } from './tokens.js';
import { applicationCredentialRoutes, ApplicationCredentials, type AccessRuleInput, type StoredApplicationCredential } from './application-credentials.js';
import type { CheckedToken, TokenChecker } from '../services/token-checker.js';

export interface SimulatedKeystoneOptions {
  /** The cloud's name; as a service provider, its id at the IdP. Default 'keystone'. */
  name?: string;
  /** Lifetime of issued tokens, in seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
}

/** An identity provider an SP trusts, with the mapping of its users (K2K's usual one). */
export interface TrustedIdentityProvider {
  /** The IdP's id at this SP, as in the federation auth URL (e.g. 'idp') */
  id: string;
  /** Its SAML entity id (the assertion's Issuer) */
  remoteId: string;
  /** The key its assertions are signed with */
  verifyKey: KeyObject;
  protocol: string;
  /** The mapping puts every federated user in this group (domain Default)... */
  groupName: string;
  /** ...except these users (by name), each in the group named here (domain Default), as a mapping rule matching `openstack_user` does */
  groupsByUser?: Record<string, string>;
}

const ECP_CONSUMER_PATH = '/Shibboleth.sso/SAML2/ECP';
const SESSION_COOKIE = `_shibsession_${Buffer.from('default-sp/shibboleth').toString('hex')}`;
type Credentials = { user: { id: string }; federation?: FederatedIdentity; parent?: TokenRecord; applicationCredential?: StoredApplicationCredential };

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
  private readonly trustedIdps: TrustedIdentityProvider[] = [];
  private readonly sessions = new Map<string, { idpId: string; assertion: VerifiedAssertion }>();
  /** The domain each trusted IdP's federated users are created in */
  private readonly federatedDomains = new Map<string, string>();
  private readonly lifetimeSeconds: number;
  private idpIdentity?: { entityId: string; signingKey: KeyObject };
  /** The cloud's name; as a service provider, its id at the IdP */
  readonly id: string;

  private constructor(options: SimulatedKeystoneOptions) {
    super();
    this.id = options.name ?? 'keystone';
    this.lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.tokens = new TokenStore(this.lifetimeSeconds);
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
    const idp = this.trustedIdps[0];
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
    this.trustedIdps.push(idp);
    const domainId = newId();
    this.directory.addDomain(domainId, domainId);
    this.federatedDomains.set(idp.id, domainId);
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
      { method: 'GET', pattern: /^\/v3\/OS-FEDERATION\/service_providers$/, name: 'service-providers.list', handle: (r) => this.listServiceProviders(r) },
      { method: 'POST', pattern: /^\/v3\/auth\/OS-FEDERATION\/saml2\/ecp$/, name: 'saml2.ecp', handle: (r) => this.ecpAssertion(r) },
      { method: 'POST', pattern: /^\/Shibboleth\.sso\/SAML2\/ECP$/, name: 'sp.ecp-consumer', handle: (r) => this.consumeAssertion(r) },
      {
        method: 'GET',
        pattern: /^\/v3\/OS-FEDERATION\/identity_providers\/(?<idp>[^/]+)\/protocols\/(?<protocol>[^/]+)\/auth$/,
        name: 'federation.auth',
        handle: (r) => this.federationAuth(r),
      },
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
    const credentials = this.authenticate(auth.identity ?? {}, methods);
    if ('status' in credentials) return this.fail(request, credentials.status, credentials.message);
    const credential = credentials.applicationCredential;
    // An application credential is scoped to its own project: Keystone refuses another scope.
    if (credential && auth.scope) return this.fail(request, 401, MESSAGES.unauthorized);
    const scope = credential ? { projectId: credential.projectId } : this.resolveScope(auth.scope, credentials);
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

  private authenticate(identity: AuthBody['identity'] & object, methods: string[]): Credentials | { status: number; message: string } {
    if (methods.includes('token')) {
      const check = this.tokens.check(identity.token?.id);
      if (!check.ok) return { status: 404, message: check.reason === 'unknown' ? MESSAGES.unrecognizedToken : MESSAGES.failedToValidate };
      return { user: { id: check.token.userId }, federation: check.token.federation, parent: check.token };
    }
    if (methods.includes('application_credential')) {
      const ref = identity.application_credential ?? {};
      const owner = ref.user && this.directory.user(ref.user);
      const credential = this.applicationCredentials.authenticate(ref, owner?.id);
      if (!credential) return { status: 401, message: MESSAGES.unauthorized };
      return { user: { id: credential.userId }, applicationCredential: credential };
    }
    if (methods.includes('password')) {
      const ref = identity.password?.user ?? {};
      const user = this.directory.user(ref);
      if (!user || user.password === undefined || user.password !== ref.password) return { status: 401, message: MESSAGES.unauthorized };
      return { user: { id: user.id } };
    }
    return { status: 401, message: MESSAGES.unauthorized };
  }

  private resolveScope(scope: AuthBody['scope'], credentials: Credentials): { projectId?: string; domainId?: string; system?: boolean } | { status: number; message: string } {
    const groupIds = credentials.federation?.groupIds ?? [];
    if (scope?.project) {
      const project = this.directory.project(scope.project);
      if (!project || !project.enabled || this.directory.rolesOn(credentials.user.id, groupIds, project.id).length === 0) return { status: 401, message: MESSAGES.unauthorized };
      return { projectId: project.id };
    }
    if (scope?.domain) {
      const domain = this.directory.domain(scope.domain);
      if (!domain || this.directory.rolesOn(credentials.user.id, groupIds, domain.id).length === 0) return { status: 401, message: MESSAGES.unauthorized };
      return { domainId: domain.id };
    }
    if (scope?.system) {
      if (scope.system.all !== true) return { status: 400, message: MESSAGES.badRequest };
      if (this.directory.rolesOn(credentials.user.id, groupIds, SYSTEM_TARGET).length === 0) return { status: 401, message: MESSAGES.unauthorized };
      return { system: true };
    }
    return {};
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

  private listServiceProviders(request: SimRequest): void {
    const caller = this.caller(request);
    if (!caller) return;
    if (!this.rolesOf(caller).some((role) => role.name === 'admin')) return this.fail(request, 403, MESSAGES.forbiddenListProviders);
    sendJson(request.res, 200, {
      service_providers: this.serviceProviders.map((sp) => ({
        auth_url: sp.authUrl,
        description: null,
        enabled: true,
        id: sp.id,
        relay_state_prefix: 'ss:mem:',
        sp_url: sp.spUrl,
        links: { self: `${this.authUrl}/OS-FEDERATION/service_providers/${sp.id}` },
      })),
      links: { next: null, self: `${this.authUrl}/OS-FEDERATION/service_providers`, previous: null },
    });
  }

  private async ecpAssertion(request: SimRequest): Promise<void> {
    const auth = (await readJsonObject(request.req))?.auth as AuthBody | undefined;
    const check = this.tokens.check(auth?.identity?.token?.id);
    if (!check.ok) return this.fail(request, 404, check.reason === 'unknown' ? MESSAGES.unrecognizedToken : MESSAGES.failedToValidate);
    const token = check.token;
    if (!token.projectId) return this.fail(request, 403, MESSAGES.ecpNeedsProjectScope);
    const spId = auth?.scope?.service_provider?.id ?? '';
    const sp = this.serviceProviders.find((candidate) => candidate.id === spId);
    if (!sp || !this.idpIdentity) return this.fail(request, 404, MESSAGES.unknownServiceProvider(spId));
    const user = this.directory.user({ id: token.userId });
    const project = this.directory.project({ id: token.projectId });
    const envelope = buildEcpEnvelope({
      issuer: this.idpIdentity.entityId,
      recipient: sp.spUrl,
      lifetimeSeconds: this.lifetimeSeconds,
      signingKey: this.idpIdentity.signingKey,
      attributes: {
        openstack_user: user?.name ?? '',
        openstack_user_domain: this.directory.domain({ id: user?.domainId ?? '' })?.name ?? '',
        openstack_roles: this.rolesOf(token).map((role) => role.name),
        openstack_project: project?.name ?? '',
        openstack_project_domain: this.directory.domain({ id: project?.domainId ?? '' })?.name ?? '',
      },
    });
    request.res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(envelope), 'x-sp-url': sp.spUrl, 'x-auth-url': sp.authUrl, vary: 'X-Auth-Token' });
    request.res.end(envelope);
  }

  private async consumeAssertion(request: SimRequest): Promise<void> {
    const xml = await readBody(request.req);
    if (!xml.includes('<ns0:Envelope')) return sendShibbolethError(request.res, 'xmltooling::XMLParserException');
    for (const idp of this.trustedIdps) {
      const assertion = verifyEcpEnvelope(xml, { issuer: idp.remoteId, key: idp.verifyKey });
      if (!assertion || assertion.recipient !== this.spUrl) continue;
      const session = `_${randomBytes(16).toString('hex')}`;
      this.sessions.set(session, { idpId: idp.id, assertion });
      request.res.writeHead(302, {
        location: `${this.url}/`,
        'set-cookie': `${SESSION_COOKIE}=${session}; path=/; HttpOnly`,
        'cache-control': 'private,no-store,no-cache,max-age=0',
        'content-type': 'text/html; charset=iso-8859-1',
      });
      return void request.res.end('<html><body><h1>Found</h1></body></html>\n');
    }
    sendShibbolethError(request.res, 'opensaml::SecurityPolicyException');
  }

  private federationAuth(request: SimRequest): void {
    const sessionId = cookie(request.req, SESSION_COOKIE);
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    const idp = this.trustedIdps.find((candidate) => candidate.id === request.params.idp && candidate.protocol === request.params.protocol);
    if (!session || !idp || session.idpId !== idp.id || session.assertion.notOnOrAfter.getTime() <= Date.now()) {
      return sendShibbolethError(request.res, 'shibsp::ConfigurationException');
    }
    const userName = session.assertion.attributes.openstack_user?.[0];
    const groupName = (userName && idp.groupsByUser?.[userName]) || idp.groupName;
    const group = this.directory.groups.find((candidate) => candidate.name === groupName && candidate.domainId === 'default');
    if (!userName || !group) return this.fail(request, 401, 'Could not map any federated user properties to identity values.');
    const userId = createHash('sha256').update(`${idp.id}\0${userName}`).digest('hex');
    if (!this.directory.user({ id: userId })) this.directory.addUser(userName, undefined, this.federatedDomains.get(idp.id), userId);
    const token = this.tokens.issue({ userId, methods: ['saml2'], federation: { identityProvider: idp.id, protocol: idp.protocol, groupIds: [group.id] } });
    this.sendToken(request, 201, token, false);
  }
}

interface DomainBody {
  id?: string;
  name?: string;
}

interface AuthBody {
  identity?: {
    methods?: string[];
    password?: { user?: { id?: string; name?: string; domain?: DomainBody; password?: string } };
    token?: { id?: string };
    application_credential?: { id?: string; name?: string; secret?: string; user?: { id?: string; name?: string; domain?: DomainBody } };
  };
  scope?: {
    project?: { id?: string; name?: string; domain?: DomainBody };
    domain?: DomainBody;
    system?: { all?: unknown };
    service_provider?: { id?: string };
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
