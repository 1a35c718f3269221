import { logIn, type KeystoneClient, type ServiceCredentials, type Token } from '@k2k/keystone';
import { timedCall, type KeystoneCallListener } from './keystone-calls.js';

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
