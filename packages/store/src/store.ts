/** A value as stored: bytes, or a string (stored as UTF-8). Reads always return bytes. */
export type StoreValue = Buffer | string;

/**
 * The byte store every k2k cache sits on. Implementations never throw for a backend failure:
 * a get that cannot reach its server is a miss (`undefined`), a write that cannot is `false`.
 * TTLs are in seconds (memcached's unit); 0 is not allowed (every entry expires).
 */
export interface Store {
  get(key: string): Promise<Buffer | undefined>;
  /** Stores the value; resolves false when the backend could not. */
  set(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean>;
  /** Stores the value only if the key is absent; resolves true when this call stored it. */
  add(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean>;
  /** Removes the key; resolves true when it was there. */
  delete(key: string): Promise<boolean>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
