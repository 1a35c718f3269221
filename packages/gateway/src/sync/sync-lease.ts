import { randomUUID } from 'node:crypto';
import type { Store } from '@k2k/store';

/**
 * One host syncing at a time: a lease in the store (memcached `add`, through the store's own
 * deadline), shared by every host on the same memcached pool and secret. Taken for a round and
 * released after it; a host that dies mid-round blocks the others until the lease expires.
 */
export class SyncLease {
  private readonly key: string;
  private readonly owner = randomUUID();

  constructor(
    private readonly store: Store,
    private readonly seconds: number,
  ) {
    this.key = store.codec.slot('sync-lease', 'k2k-gateway sync').key;
  }

  /**
   * Whether this host got the lease. An unreachable store answers 'unavailable': then nobody can
   * tell who syncs, and syncing anyway risks at most duplicated work (Keystone refuses a second
   * project of the same name), so the round goes on.
   */
  async acquire(): Promise<boolean> {
    return (await this.store.add(this.key, this.owner, this.seconds)) !== 'exists';
  }

  /** Lets go of the lease, unless it expired and another host holds it now. */
  async release(): Promise<void> {
    // memcached has no compare-and-delete: a read first, so another host's lease is left alone.
    const holder = await this.store.get(this.key);
    if (holder?.toString('utf8') === this.owner) await this.store.delete(this.key);
  }
}
