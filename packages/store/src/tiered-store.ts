import { MemoryStore } from './memory-store.js';
import type { AddResult, StoreBackend, StoreValue } from '@k2k/common';

/**
 * A small in-process L1 in front of a shared L2 (memcached): a hot key costs no round trip.
 * L1 keeps an entry at most `l1TtlSeconds`, so a change made by another process (a delete, a
 * newer value) is seen here within that time. `add` goes to L2 alone: leases need one truth.
 */
export class TieredStore implements StoreBackend {
  constructor(
    private readonly l1: MemoryStore,
    private readonly l2: StoreBackend,
    private readonly l1TtlSeconds: number,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    const near = await this.l1.get(key);
    if (near) return near;
    const far = await this.l2.get(key);
    if (far) await this.l1.set(key, far, this.l1TtlSeconds);
    return far;
  }

  async set(key: string, value: StoreValue, ttlSeconds: number): Promise<boolean> {
    await this.l1.set(key, value, Math.min(ttlSeconds, this.l1TtlSeconds));
    return this.l2.set(key, value, ttlSeconds);
  }

  async add(key: string, value: StoreValue, ttlSeconds: number): Promise<AddResult> {
    await this.l1.delete(key);
    return this.l2.add(key, value, ttlSeconds);
  }

  async delete(key: string): Promise<boolean> {
    const near = await this.l1.delete(key);
    const far = await this.l2.delete(key);
    return near || far;
  }

  async close(): Promise<void> {
    await Promise.all([this.l1.close(), this.l2.close()]);
  }
}
