import { authRequestBody, ecpRequestBody, type Credentials, type Scope } from './auth-request.js';
import { CatalogAdmin } from './catalog-admin.js';
import { ProjectAdmin } from './project-admin.js';
import { presentAssertion, serviceProviderKeystoneUrl } from './k2k-exchange.js';
import { malformed } from './keystone-errors.js';
import { parseClientOptions, type KeystoneClientOptions, type ParsedClientOptions } from './options.js';
import type { ServiceProvider } from '@k2k/common';
import { parseToken, type Token } from './token.js';
import { headerValue, parseJson, Transport, type HttpAnswer } from './transport.js';

/** The access-rules version a validator declares it enforces (OpenStack-Identity-Access-Rules). */
const ACCESS_RULES_VERSION = '1';

/** A project the token's user can scope to (GET /v3/auth/projects). */
export interface Project {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  /** Its tags (project sync links a mirror to its IdP project by one) */
  tags: string[];
}

export interface ValidateOptions {
  /** Include the catalog (default true; false sends `?nocatalog`) */
  catalog?: boolean;
  /** Accept a token that has expired, within Keystone's allow_expired window (default false) */
  allowExpired?: boolean;
}

/**
 * A Keystone v3 client: authentication, token validation, project listing and scoping, and the
 * IdP side of K2K. Clients made for service providers share this client's connections.
 */
export class KeystoneClient {
  readonly authUrl: string;
  private readonly transport: Transport;
  private readonly settings: ParsedClientOptions;

  constructor(options: KeystoneClientOptions, shared?: Transport) {
    this.settings = parseClientOptions(options);
    this.authUrl = this.settings.authUrl;
    this.transport = shared ?? new Transport(this.settings);
  }

  /** POST /v3/auth/tokens: a new token for a password or an existing token, with an optional scope. */
  async authenticate(credentials: Credentials, scope?: Scope): Promise<Token> {
    const url = `${this.authUrl}/auth/tokens`;
    const answer = await this.transport.call({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: authRequestBody(credentials, scope),
      secrets: secretsOf(credentials),
    });
    return this.tokenFrom(answer, url);
  }

  /** Rescopes a token (e.g. a federated unscoped one) to a project or domain. */
  scopeToken(token: string, scope: Scope): Promise<Token> {
    return this.authenticate({ token }, scope);
  }

  /** GET /v3/auth/tokens as a service: what Keystone says about `subjectToken`. */
  async validateToken(serviceToken: string, subjectToken: string, options: ValidateOptions = {}): Promise<Token> {
    const query = [options.catalog === false && 'nocatalog', options.allowExpired && 'allow_expired=1'].filter(Boolean).join('&');
    const url = `${this.authUrl}/auth/tokens${query ? `?${query}` : ''}`;
    const answer = await this.transport.call({
      method: 'GET',
      url,
      // As keystonemiddleware: this validator enforces access rules, so Keystone may validate tokens that have them.
      headers: { 'x-auth-token': serviceToken, 'x-subject-token': subjectToken, 'openstack-identity-access-rules': ACCESS_RULES_VERSION },
      secrets: [serviceToken, subjectToken],
    });
    return parseToken(subjectToken, parseJson(answer, url, 'the token'), url);
  }

  /** GET /v3/auth/projects: the projects the token's user can scope to. */
  async listProjects(token: string): Promise<Project[]> {
    const url = `${this.authUrl}/auth/projects`;
    const answer = await this.transport.call({ method: 'GET', url, headers: { 'x-auth-token': token }, secrets: [token] });
    const body = parseJson<{ projects?: { id?: unknown; name?: unknown; domain_id?: unknown; enabled?: unknown; tags?: unknown }[] }>(answer, url, 'the project list');
    if (!Array.isArray(body.projects)) throw malformed(url, 'no "projects" list');
    return body.projects.map((p) => ({
      id: String(p.id ?? ''),
      name: String(p.name ?? ''),
      domainId: String(p.domain_id ?? ''),
      enabled: p.enabled !== false,
      tags: Array.isArray(p.tags) ? p.tags.filter((tag): tag is string => typeof tag === 'string') : [],
    }));
  }

  /** POST /v3/auth/OS-FEDERATION/saml2/ecp: a signed SAML2 ECP envelope for the service provider. */
  async requestEcpAssertion(token: string, serviceProviderId: string): Promise<string> {
    const url = `${this.authUrl}/auth/OS-FEDERATION/saml2/ecp`;
    const answer = await this.transport.call({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'text/xml, application/xml' },
      body: ecpRequestBody(token, serviceProviderId),
      secrets: [token],
    });
    if (!answer.body.includes('Assertion')) throw malformed(url, 'the ECP answer holds no SAML assertion');
    return answer.body;
  }

  /**
   * The K2K exchange: the user's token -> an ECP assertion for `sp` -> the SP's unscoped token.
   * Returns that token and a client for the SP's Keystone, to list projects and scope.
   */
  async federate(token: string, sp: ServiceProvider): Promise<{ unscoped: Token; serviceProvider: KeystoneClient }> {
    const assertion = await this.requestEcpAssertion(token, sp.id);
    const answer = await presentAssertion(this.transport, sp, assertion);
    const serviceProvider = this.clientFor(serviceProviderKeystoneUrl(sp));
    return { unscoped: serviceProvider.tokenFrom(answer, sp.authUrl), serviceProvider };
  }

  /** Catalog administration (regions, services, endpoints) with `token`, on this client's connections. */
  catalogAdmin(token: string): CatalogAdmin {
    return new CatalogAdmin(this.transport, this.authUrl, token);
  }

  /** Project administration (projects and their tags, group role grants) with `token`, on this client's connections. */
  projectAdmin(token: string): ProjectAdmin {
    return new ProjectAdmin(this.transport, this.authUrl, token);
  }

  /** A client for another Keystone (a service provider's), sharing this one's connections and settings (its `ca` is the shared Agent's). */
  clientFor(authUrl: string): KeystoneClient {
    return new KeystoneClient({ ...this.publicOptions(), authUrl }, this.transport);
  }

  /** Closes the kept-alive connections (shared with the clients made by `clientFor`). */
  close(): Promise<void> {
    return this.transport.close();
  }

  private tokenFrom(answer: HttpAnswer, url: string): Token {
    const id = headerValue(answer, 'x-subject-token');
    if (!id) throw malformed(url, 'no X-Subject-Token header');
    return parseToken(id, parseJson(answer, url, 'the token'), url);
  }

  private publicOptions(): Omit<KeystoneClientOptions, 'authUrl'> {
    const { timeoutMs, retries, connections, userAgent } = this.settings;
    return { timeoutMs, retries, connections, userAgent };
  }
}

function secretsOf(credentials: Credentials): string[] {
  if ('token' in credentials) return [credentials.token];
  return 'applicationCredential' in credentials ? [credentials.applicationCredential.secret] : [credentials.password];
}
