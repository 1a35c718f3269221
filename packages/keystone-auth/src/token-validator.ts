import type { Logger } from '@k2k/common';
import { identityOf, KeystoneError, type KeystoneClient } from '@k2k/keystone';
import { OpenStackError, type KeystoneIdentity } from '@k2k/common';
import { expiryOf, SealedJsonCache, SingleFlight, type Store } from '@k2k/store';
import { createHash } from 'node:crypto';
import { timedCall, type KeystoneCallListener } from './keystone-calls.js';
import { RefusedTokens } from './refused-tokens.js';
import type { ServiceToken } from '@k2k/keystone';

/** The token was refused: unknown, expired or revoked. Answered 401 (remembered briefly, see RefusedTokens). */
export class InvalidTokenError extends OpenStackError {
  constructor() {
    super(401, 'The request you have made requires authentication.');
    this.name = 'InvalidTokenError';
  }
}

/** Keystone could not say: unreachable, too slow, failing, or refusing our own credentials. 503. */
export class IdentityUnavailableError extends OpenStackError {
  constructor(cause: unknown) {
    super(503, 'The Keystone service is temporarily unavailable.', { cause });
    this.name = 'IdentityUnavailableError';
  }
}

/** How long a worker keeps a validation result it read or made, at most (revocation is seen within cacheTtlSeconds anyway). */
const LOCAL_COPY_SECONDS = 10;

export interface ValidatorSettings {
  cacheTtlSeconds: number;
  /** How long a token Keystone refused is remembered as invalid; 0: not at all */
  negativeCacheTtlSeconds: number;
  includeCatalog: boolean;
}

/**
 * Validates tokens with Keystone on behalf of the service, keystonemiddleware-style: results are
 * cached per token (sealed with the store's codec) for at most the configured TTL and never past
 * the token's expiry; tokens Keystone refused are remembered for a few seconds, outages never;
 * concurrent validations of one token, in this process or in others sharing the store, make one
 * Keystone call.
 */
export class TokenValidator {
  private readonly cache: SealedJsonCache<KeystoneIdentity>;
  private readonly refused: RefusedTokens;
  private readonly flights: SingleFlight;

  constructor(
    private readonly keystone: KeystoneClient,
    private readonly serviceToken: ServiceToken,
    store: Store,
    private readonly settings: ValidatorSettings,
    private readonly logger: Logger,
    private readonly onKeystoneCall: KeystoneCallListener,
  ) {
    // Warm requests find their identity in this process; never longer than the shared entry's TTL.
    this.cache = new SealedJsonCache<KeystoneIdentity>(store, 'auth-token', { localTtlSeconds: Math.min(LOCAL_COPY_SECONDS, settings.cacheTtlSeconds) });
    this.refused = new RefusedTokens(store, settings.negativeCacheTtlSeconds);
    this.flights = new SingleFlight(store, { leaseSeconds: 10 });
  }

  /** The identity behind `token`; throws InvalidTokenError or IdentityUnavailableError. */
  async validate(token: string, allowExpired = false): Promise<KeystoneIdentity> {
    const notExpired = (identity: KeystoneIdentity) => allowExpired || expiryOf(identity) > Date.now();
    // The cache turned off: every request asks Keystone, and there is nothing to share a flight through.
    if (this.settings.cacheTtlSeconds === 0) return this.checked(await this.fetch(token, allowExpired), notExpired);
    const cached = await this.cache.get(token, notExpired);
    if (cached) return cached;
    if (await this.refused.has(token, allowExpired)) throw new InvalidTokenError();
    const flightKey = `validate\n${token}\n${allowExpired}`;
    // A caller waiting on another process's flight stops at its refusal too, instead of asking again.
    const published = async () => {
      if (await this.refused.has(token, allowExpired)) throw new InvalidTokenError();
      return this.cache.get(token, notExpired);
    };
    return this.checked(await this.flights.run(flightKey, () => this.fetch(token, allowExpired), published), notExpired);
  }

  /**
   * The identity behind a user token when this process holds it, unexpired: the warm path's answer
   * without a promise, store call or Keystone call. Undefined otherwise: then `validate`.
   */
  validateHeld(token: string): KeystoneIdentity | undefined {
    if (this.settings.cacheTtlSeconds === 0) return undefined;
    return this.cache.getHeld(token, (identity) => expiryOf(identity) > Date.now());
  }

  private checked(identity: KeystoneIdentity, notExpired: (identity: KeystoneIdentity) => boolean): KeystoneIdentity {
    if (!notExpired(identity)) throw new InvalidTokenError();
    return identity;
  }

  stats() {
    return this.cache.stats();
  }

  private async fetch(token: string, allowExpired: boolean): Promise<KeystoneIdentity> {
    const identity = identityOf(await this.ask(token, allowExpired, true));
    const secondsLeft = Math.floor((Date.parse(identity.expiresAt) - Date.now()) / 1000);
    const ttl = Math.min(this.settings.cacheTtlSeconds, secondsLeft);
    if (ttl >= 1) await this.cache.set(token, identity, ttl);
    return identity;
  }

  private async ask(token: string, allowExpired: boolean, mayRenew: boolean): ReturnType<KeystoneClient['validateToken']> {
    let serviceToken: string;
    try {
      serviceToken = await this.serviceToken.id();
    } catch (error) {
      this.logger.error({ err: describe(error) }, 'cannot obtain the service token to validate tokens with; check serviceAuth');
      throw new IdentityUnavailableError(error);
    }
    try {
      return await timedCall('validate', () => this.keystone.validateToken(serviceToken, token, { catalog: this.settings.includeCatalog, allowExpired }), this.onKeystoneCall);
    } catch (error) {
      if (!(error instanceof KeystoneError)) throw error;
      if (error.failure === 'refused' && error.status === 404) {
        this.logger.debug({ token: fingerprint(token) }, 'token refused by Keystone');
        await this.refused.remember(token, allowExpired); // Keystone's answer; outages below are never remembered
        throw new InvalidTokenError();
      }
      if (error.failure === 'refused' && error.status === 401 && mayRenew) {
        this.serviceToken.drop(); // our own token expired or was revoked: get a new one, once
        return this.ask(token, allowExpired, false);
      }
      this.logger.warn({ err: describe(error) }, 'Keystone could not validate a token');
      throw new IdentityUnavailableError(error);
    }
  }
}

/** A short, irreversible tag for a token in logs: never the token itself. */
export function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

function describe(error: unknown): { status?: number; message: string } {
  const e = error as { status?: number; message?: string };
  return { status: e.status, message: e.message ?? String(error) };
}
