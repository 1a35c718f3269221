import type { SecureCodec } from './codec.js';

/** A value as stored: bytes, or a string (stored as UTF-8). Reads always return bytes. */
export type StoreValue = Buffer | string;

/** What `add` did: stored the value, found the key already there, or could not reach the backend. */
export type AddResult = 'added' | 'exists' | 'unavailable';

/**
 * The byte store every k2k cache sits on. A backend failure never throws: a get that cannot reach
 * its server is a miss (`undefined`), a write that cannot is `false`. TTLs are whole seconds
 * (memcached's unit), at least 1: every entry expires.
 */
export interface StoreBackend {
  get(key: string): Promise<Buffer | undefined>;
  /** Stores the value; resolves false when the backend could not. */
  set(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean>;
  /** Stores the value only if the key is absent (memcached `add`): the building block of leases. */
  add(key: string, value: StoreValue, ttlSeconds: number): Promise<AddResult>;
  /** Removes the key; resolves true when it was there. */
  delete(key: string): Promise<boolean>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Counters a store keeps since it was created (monotonic; read them for metrics). */
export interface StoreStats {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Operations that failed or hit the deadline: each was answered as a miss or a failed write. */
  errors: number;
}

/**
 * What `createStore` returns and what the middlewares take: a backend plus the codec that seals
 * values cached for a token, configured once from the store options.
 */
export interface Store extends StoreBackend {
  /** The backend kind: 'memory', 'memcached', 'tiered' or 'custom'. */
  readonly kind: string;
  readonly codec: SecureCodec;
  stats(): StoreStats;
}
