import type { StoreStats } from '@k2k/common';

/** Monotonic counters behind `Store.stats()`. */
export class StoreCounters {
  private readonly counts: StoreStats = { hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0 };

  count(what: keyof StoreStats): void {
    this.counts[what]++;
  }

  snapshot(): StoreStats {
    return { ...this.counts };
  }
}
