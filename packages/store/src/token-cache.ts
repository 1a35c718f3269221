import { requireInteger, withDefault } from '@k2k/common';
import { SealedJsonCache, type CacheCounts } from './sealed-json-cache.js';
import type { Store } from '@k2k/common';

/** The least a cached remote token carries: when Keystone said it expires (ISO 8601). */
export interface ExpiringToken {
  expiresAt: string;
}

export interface TokenCacheOptions {
  /**
   * A token is used only until this many seconds before it expires, so a request never reaches
   * a service provider with a token that expires on the way. Default 120.
   */
  safetyMarginSeconds?: number;
  /** Keep decoded tokens in this process too, this many seconds at most (SealedJsonCache). Default 0: off */
  localTtlSeconds?: number;
}

/**
 * Remote scoped tokens (with whatever else the caller keeps beside them, such as the catalog),
 * keyed by (user token, service provider, project) and sealed with the store's codec. An entry
 * lives until its token's expiry minus the safety margin, and reads as a miss after that.
 */
export class TokenCache<T extends ExpiringToken = ExpiringToken> {
  private readonly cache: SealedJsonCache<T>;
  private readonly marginMs: number;

  constructor(store: Store, options: TokenCacheOptions = {}) {
    this.cache = new SealedJsonCache<T>(store, 'remote-token', { localTtlSeconds: options.localTtlSeconds });
    this.marginMs = requireInteger(withDefault(options.safetyMarginSeconds, 120), 'safetyMarginSeconds', 0) * 1000;
  }

  get(userToken: string, serviceProvider: string, project: string): Promise<T | undefined> {
    return this.cache.get(subject(userToken, serviceProvider, project), (token) => this.usableForMs(token) > 0);
  }

  /** Caches the token; resolves false (and stores nothing) when it is too close to expiry or the store failed. */
  async set(userToken: string, serviceProvider: string, project: string, token: T): Promise<boolean> {
    const ttlSeconds = Math.floor(this.usableForMs(token) / 1000);
    if (ttlSeconds < 1) return false;
    return this.cache.set(subject(userToken, serviceProvider, project), token, ttlSeconds);
  }

  delete(userToken: string, serviceProvider: string, project: string): Promise<boolean> {
    return this.cache.delete(subject(userToken, serviceProvider, project));
  }

  stats(): CacheCounts {
    return this.cache.stats();
  }

  private usableForMs(token: ExpiringToken): number {
    const expiresAt = expiryOf(token);
    return Number.isNaN(expiresAt) ? 0 : expiresAt - this.marginMs - Date.now();
  }
}

/** Each token's expiry in ms, read once: a token kept in this process is the same (frozen) object for a while. */
const expiries = new WeakMap<ExpiringToken, number>();

/** When a token (a remote token, a validated identity: anything with `expiresAt`) expires, in ms since the epoch; NaN when unreadable. Parsed once per object. */
export function expiryOf(token: ExpiringToken): number {
  let expiry = expiries.get(token);
  if (expiry === undefined) expiries.set(token, (expiry = Date.parse(token.expiresAt)));
  return expiry;
}

function subject(userToken: string, serviceProvider: string, project: string): string {
  return `${userToken}\n${serviceProvider}\n${project}`;
}
