import type { KeystoneClient, Token } from '@k2k/keystone';
import { timedCall, type KeystoneCallListener } from './keystone-calls.js';
import type { ServiceCredentials } from './service-credentials.js';

/** Renew the service's own token this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

/**
 * This service's own token, used to validate users' tokens: obtained with the service
 * credentials, reused until shortly before it expires, renewed once for concurrent callers, and
 * dropped on demand (when Keystone stops accepting it).
 */
export class ServiceToken {
  private current?: Promise<Token>;

  constructor(
    private readonly keystone: KeystoneClient,
    private readonly credentials: ServiceCredentials,
    private readonly onKeystoneCall: KeystoneCallListener,
  ) {}

  async id(): Promise<string> {
    if (this.current) {
      const token = await this.current.catch(() => undefined);
      if (token && Date.parse(token.expiresAt) - RENEW_BEFORE_MS > Date.now()) return token.id;
      this.current = undefined;
    }
    this.current ??= this.obtain();
    return (await this.current).id;
  }

  /** Forgets the token, so the next call obtains a new one. */
  drop(): void {
    this.current = undefined;
  }

  private obtain(): Promise<Token> {
    const attempt = timedCall('service-token', () => logIn(this.keystone, this.credentials), this.onKeystoneCall);
    // A failed attempt is not kept: the next caller tries again.
    attempt.catch(() => {
      if (this.current === attempt) this.current = undefined;
    });
    return attempt;
  }
}

/**
 * A token for configured credentials: a password, scoped to its project, or an application
 * credential (scoped to its own project already: Keystone refuses a scope with it). Domains
 * default to Default. What keystoneAuth's service user and a gateway's admin users log in with.
 */
export function logIn(keystone: KeystoneClient, c: ServiceCredentials): Promise<Token> {
  const domain = (id?: string, name?: string) => (id !== undefined ? { id } : { name: name ?? 'Default' });
  if ('applicationCredentialSecret' in c) {
    const secret = c.applicationCredentialSecret;
    return keystone.authenticate({
      applicationCredential: c.applicationCredentialId !== undefined
        ? { id: c.applicationCredentialId, secret }
        : { name: c.applicationCredentialName ?? '', secret, user: { name: c.username ?? '', domain: domain(c.userDomainId, c.userDomainName) } },
    });
  }
  return keystone.authenticate(
    { user: { name: c.username, domain: domain(c.userDomainId, c.userDomainName) }, password: c.password },
    { project: { name: c.projectName, domain: domain(c.projectDomainId, c.projectDomainName) } },
  );
}
