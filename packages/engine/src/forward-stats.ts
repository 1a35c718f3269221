import type { ForwardStats } from './pipeline.js';

/** K2K exchanges and cache counts, summed over several pipelines (a face serving several services). */
export function sumForwardStats(all: readonly ForwardStats[]): ForwardStats {
  const total: ForwardStats = { exchanges: 0, failures: 0, cache: { hits: 0, misses: 0 }, locations: { hits: 0, misses: 0 } };
  for (const stats of all) {
    total.exchanges += stats.exchanges;
    total.failures += stats.failures;
    for (const part of ['cache', 'locations'] as const) {
      total[part].hits += stats[part].hits;
      total[part].misses += stats[part].misses;
    }
  }
  return total;
}
