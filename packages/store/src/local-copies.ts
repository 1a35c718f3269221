/**
 * Decoded values kept in this process for a short while, the `capacity` most recently written of
 * them: a warm read then skips the store round trip, the decryption and the JSON parse. Values
 * are frozen, so no caller can change what the next one reads. A read does not reorder entries
 * (it runs several times per request; the TTL is seconds, so the oldest written is a fine victim).
 */
export class LocalCopies<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps `value` for the local TTL, or less when the shared entry lives less (`ttlMs`). */
  set(key: string, value: T, ttlMs = this.ttlMs): void {
    this.entries.delete(key);
    this.entries.set(key, { value: deepFreeze(value), until: Date.now() + Math.min(ttlMs, this.ttlMs) });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
