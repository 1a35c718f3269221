import type { AddResult, StoreBackend, StoreValue } from '@k2k/common';

interface Entry {
  value: Buffer;
  expiresAt: number;
}

/**
 * An in-process store: a Map kept in least-recently-used order (a read moves the entry to the end),
 * bounded in entries, with a TTL per entry. Expired entries are dropped when read or evicted.
 */
export class MemoryStore implements StoreBackend {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const entry = this.live(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean> {
    this.entries.delete(key);
    this.entries.set(key, { value: Buffer.from(value), expiresAt: this.now() + ttlSeconds * 1000 });
    this.evictOverflow();
    return true;
  }

  async add(key: string, value: StoreValue, ttlSeconds: number): Promise<AddResult> {
    if (this.live(key)) return 'exists';
    await this.set(key, value, ttlSeconds);
    return 'added';
  }

  async delete(key: string): Promise<boolean> {
    return this.live(key) !== undefined && this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private evictOverflow(): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) return;
      this.entries.delete(key);
    }
  }
}
