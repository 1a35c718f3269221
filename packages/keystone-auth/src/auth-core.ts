import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { KeystoneClient, ServiceToken } from '@k2k/keystone';
import { OpenStackError, serviceIdentityOf, type KeystoneContext, type KeystoneIdentity } from '@k2k/common';
import { accessRuleRefusal } from './access-rules.js';
import { removeIdentityHeaders, setIdentityHeaders, setInvalidIdentity, setInvalidService, setServiceHeaders } from './identity-headers.js';
import { parseAuthOptions, type KeystoneAuthOptions, type ParsedAuthOptions } from './options.js';
import { timedCall, type KeystoneCallEvent } from './keystone-calls.js';
import { InvalidTokenError, TokenValidator } from './token-validator.js';

/** How authenticating one request ended. */
export type AuthOutcome =
  /** The user is confirmed; identity headers are set */
  | { kind: 'confirmed'; identity: KeystoneIdentity }
  /** Not authenticated, and the decision is delayed: X-Identity-Status is Invalid, the request goes on */
  | { kind: 'deferred' }
  /** Answer with this error (401, 403 or 503); `headers` go with it */
  | { kind: 'rejected'; error: OpenStackError; headers: Record<string, string> };

/**
 * What keystoneAuth and KeystoneStrategy share: clean the request of spoofed identity headers,
 * validate X-Auth-Token (and X-Service-Token), set the identity headers, check required roles.
 */
export class AuthCore {
  readonly options: ParsedAuthOptions;
  readonly validator: TokenValidator;
  /** Emits 'keystone-call' (KeystoneCallEvent) for every call made to Keystone */
  readonly events = new EventEmitter();
  private readonly keystone: KeystoneClient;
  private readonly context: KeystoneContext;

  constructor(input: KeystoneAuthOptions) {
    this.options = parseAuthOptions(input);
    const { authUrl, timeoutMs, ca } = this.options;
    this.keystone = new KeystoneClient({ authUrl, timeoutMs, ...(ca && { ca }) });
    const onKeystoneCall = (event: KeystoneCallEvent) => this.events.emit('keystone-call', event);
    const serviceToken = new ServiceToken(this.keystone, this.options.serviceAuth, (login) => timedCall('service-token', login, onKeystoneCall));
    // The service user's token, for k2kForward's reseller identity (its K2K exchange starts at this Keystone).
    this.context = Object.freeze({ authUrl, keystone: this.keystone, store: this.options.store, logger: this.options.logger, ...(ca && { ca: Object.freeze(ca) }), serviceToken: () => serviceToken.id() });
    this.validator = new TokenValidator(
      this.keystone,
      serviceToken,
      this.options.store,
      { cacheTtlSeconds: this.options.cacheTtlSeconds, negativeCacheTtlSeconds: this.options.negativeCacheTtlSeconds, includeCatalog: this.options.includeServiceCatalog },
      this.options.logger,
      onKeystoneCall,
    );
  }

  async authenticate(req: IncomingMessage): Promise<AuthOutcome> {
    removeIdentityHeaders(req);
    req.keystoneContext = this.context;
    try {
      const service = await this.serviceIdentity(req);
      const token = header(req, 'x-auth-token');
      if (!token) throw new InvalidTokenError();
      // With a valid service token, an expired user token still counts (a long operation's callback).
      const identity = await this.validator.validate(token, service !== undefined);
      return this.confirm(req, identity, service);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) return this.reject(error instanceof OpenStackError ? error : new OpenStackError(500, 'Authentication failed unexpectedly.'));
      return this.refuse(req);
    }
  }

  /**
   * `authenticate` for a warm request, without a promise: a user token alone (no service token)
   * whose identity this process holds. Undefined when that is not the case: then `authenticate`.
   */
  authenticateHeld(req: IncomingMessage): AuthOutcome | undefined {
    if (req.headers['x-service-token'] !== undefined) return undefined;
    const token = header(req, 'x-auth-token');
    const identity = token ? this.validator.validateHeld(token) : undefined;
    if (!identity) return undefined;
    removeIdentityHeaders(req);
    req.keystoneContext = this.context;
    return this.confirm(req, identity, undefined);
  }

  /** Closes Keystone connections. */
  close(): Promise<void> {
    return this.keystone.close();
  }

  /** The service behind X-Service-Token, when one came and is valid with a service role. */
  private async serviceIdentity(req: IncomingMessage): Promise<KeystoneIdentity['service']> {
    const token = header(req, 'x-service-token');
    if (!token) return undefined;
    const identity = await this.validator.validate(token).catch((error: unknown) => {
      if (error instanceof InvalidTokenError) return undefined;
      throw error;
    });
    if (!identity || !identity.roles.some((role) => this.options.serviceTokenRoles.includes(role))) {
      if (this.options.identityHeaders) setInvalidService(req);
      if (this.options.delayAuthDecision) return undefined;
      throw new InvalidTokenError();
    }
    const service = serviceIdentityOf(identity);
    if (this.options.identityHeaders) setServiceHeaders(req, service);
    return service;
  }

  /** What a valid token's identity gets: its access rules applied, the identity headers, the required roles checked. */
  private confirm(req: IncomingMessage, identity: KeystoneIdentity, service: KeystoneIdentity['service']): AuthOutcome {
    const refusal = accessRuleRefusal(req, service ? { ...identity, service } : identity, this.options.serviceType);
    if (refusal) {
      this.options.logger.info({ reason: refusal }, 'token refused by its access rules');
      return this.refuse(req);
    }
    if (this.options.identityHeaders) setIdentityHeaders(req, identity, this.options.includeServiceCatalog);
    const missing = this.missingRoles(identity.roles);
    if (missing) return this.reject(new OpenStackError(403, missing));
    return { kind: 'confirmed', identity: service ? { ...identity, service } : identity };
  }

  /** A token that is not valid: passed on as such with a delayed auth decision, else 401. */
  private refuse(req: IncomingMessage): AuthOutcome {
    if (!this.options.delayAuthDecision) return this.reject(new InvalidTokenError());
    if (this.options.identityHeaders) setInvalidIdentity(req);
    return { kind: 'deferred' };
  }

  private missingRoles(roles: string[]): string | undefined {
    const { anyOf, allOf } = this.options.requiredRoles;
    const lacking = allOf.filter((role) => !roles.includes(role));
    if (lacking.length > 0) return `You are not authorized to perform the requested action: missing role(s) ${lacking.join(', ')}.`;
    if (anyOf.length > 0 && !anyOf.some((role) => roles.includes(role))) return `You are not authorized to perform the requested action: one of the roles ${anyOf.join(', ')} is required.`;
    return undefined;
  }

  private reject(error: OpenStackError): AuthOutcome {
    const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': `Keystone uri="${this.options.wwwAuthenticateUri}"` } : {};
    return { kind: 'rejected', error, headers };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim() || undefined;
}
