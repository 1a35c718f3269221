import { OpenStackError, type KeystoneIdentity } from '@k2k/common';
import { identityOf, KeystoneError, type KeystoneClient } from '@k2k/keystone';
import { SealedJsonCache, type Store } from '@k2k/store';

/** How long a process keeps a validation it read or made, at most (revocation is seen within the shared TTL anyway). */
const LOCAL_COPY_SECONDS = 10;

/**
 * Who holds a token, as the local Keystone confirms it: the identity (project, roles, catalog,
 * service providers) the engine routes by, as keystoneAuth gives it to k2kForward. A caller may
 * validate its own token (Keystone's policy: the token's subject), so the client needs no service
 * user. Results are sealed in the store for every process on it, never past the token's expiry.
 */
export class CallerIdentities {
  private readonly cache: SealedJsonCache<KeystoneIdentity>;

  constructor(
    private readonly keystone: KeystoneClient,
    store: Store,
    private readonly ttlSeconds: number,
  ) {
    this.cache = new SealedJsonCache<KeystoneIdentity>(store, 'client-identity', { localTtlSeconds: Math.min(LOCAL_COPY_SECONDS, ttlSeconds) });
  }

  /**
   * The identity behind `token`; an OpenStackError 401 when Keystone refuses it, or when it is an
   * application credential's token limited by access rules (validated as by a validator that
   * enforces them, which the client does not: keystoneAuth refuses them too without a service
   * type); 503 when Keystone cannot say.
   */
  async of(token: string): Promise<KeystoneIdentity> {
    const identity = (this.ttlSeconds > 0 ? await this.cache.get(token, unexpired) : undefined) ?? (await this.validated(token));
    if (identity.accessRules) throw new OpenStackError(401, 'The request you have made requires authentication.');
    return identity;
  }

  private async validated(token: string): Promise<KeystoneIdentity> {
    const identity = await this.validate(token);
    const ttl = Math.min(this.ttlSeconds, Math.floor((Date.parse(identity.expiresAt) - Date.now()) / 1000));
    if (ttl >= 1) await this.cache.set(token, identity, ttl);
    return identity;
  }

  private async validate(token: string): Promise<KeystoneIdentity> {
    try {
      return identityOf(await this.keystone.validateToken(token, token));
    } catch (error) {
      if (!(error instanceof KeystoneError)) throw error;
      if (error.failure === 'refused' && (error.status === 401 || error.status === 404)) throw new OpenStackError(401, 'The request you have made requires authentication.');
      throw new OpenStackError(503, 'The Keystone service is temporarily unavailable.', { cause: error });
    }
  }
}

function unexpired(identity: KeystoneIdentity): boolean {
  return Date.parse(identity.expiresAt) > Date.now();
}
