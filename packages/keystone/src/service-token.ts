import type { KeystoneClient } from './client.js';
import { logIn } from './log-in.js';
import type { ServiceCredentials } from './service-credentials.js';
import type { Token } from './token.js';

/** Renew the service's own token this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

/**
 * A token of configured credentials (keystoneAuth's service user, validating users' tokens;
 * k2kClient's own user from the OpenStack environment): obtained with the credentials, reused
 * until shortly before it expires, renewed once for concurrent callers, and dropped on demand
 * (when Keystone stops accepting it). `around` wraps each login (keystoneAuth times it).
 */
export class ServiceToken {
  private current?: Promise<Token>;

  constructor(
    private readonly keystone: KeystoneClient,
    private readonly credentials: ServiceCredentials,
    private readonly around: (login: () => Promise<Token>) => Promise<Token> = (login) => login(),
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
    const attempt = this.around(() => logIn(this.keystone, this.credentials));
    // A failed attempt is not kept: the next caller tries again.
    attempt.catch(() => {
      if (this.current === attempt) this.current = undefined;
    });
    return attempt;
  }
}
