import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireInteger, withDefault } from '@k2k/common';
import type { Store } from '@k2k/common';

export interface SingleFlightOptions {
  /**
   * How long a leader holds the cross-process lease, in seconds. A leader that crashes blocks the
   * others at most this long. Make it longer than the work usually takes. Default 10.
   */
  leaseSeconds?: number;
  /** The first wait between a follower's reads of the result; it doubles up to 200 ms. Default 10. */
  pollMs?: number;
  /** How long a follower waits for another process's leader before doing the work itself. Default: the lease. */
  maxWaitMs?: number;
}

/**
 * Makes concurrent callers for one key do the work once: in one process they share one promise;
 * across processes sharing the store, the first to `add` the key's lease runs the work and the
 * others poll `read` (typically the cache the work fills) until it yields the result.
 *
 * The lease holder reads once more before working, so a caller whose miss predates a finished
 * flight gets its result instead of repeating it. A leader that fails releases its lease, so a
 * waiting follower takes over. When the lease expires (a crashed leader) or the wait runs out, a
 * follower does the work itself; when the store is unreachable every process works alone.
 * Duplicated work is the worst case, never a stuck caller.
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly leaseSeconds: number;
  private readonly pollMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly store: Store,
    options: SingleFlightOptions = {},
  ) {
    this.leaseSeconds = requireInteger(withDefault(options.leaseSeconds, 10), 'leaseSeconds', 1);
    this.pollMs = requireInteger(withDefault(options.pollMs, 10), 'pollMs', 1);
    this.maxWaitMs = requireInteger(withDefault(options.maxWaitMs, this.leaseSeconds * 1000), 'maxWaitMs', 0);
  }

  /**
   * Runs `work` unless another caller for `key` already is; `read` returns the published result
   * (undefined while there is none) for callers in other processes.
   */
  run<T>(key: string, work: () => Promise<T>, read: () => Promise<T | undefined>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const flight = this.lead(key, work, read).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }

  private async lead<T>(key: string, work: () => Promise<T>, read: () => Promise<T | undefined>): Promise<T> {
    const leaseKey = this.store.codec.slot('flight', key).key;
    const deadline = Date.now() + this.maxWaitMs;
    let pause = this.pollMs;
    for (;;) {
      const lease = await this.store.add(leaseKey, randomUUID(), this.leaseSeconds);
      if (lease === 'added') {
        try {
          // The caller's own miss may be older than a leader that just published and let go:
          // look once more before working (one read, against a repeated exchange).
          const published = await read();
          return published !== undefined ? published : await work();
        } finally {
          await this.store.delete(leaseKey);
        }
      }
      if (lease === 'unavailable' || Date.now() >= deadline) return work();
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
      const published = await read();
      if (published !== undefined) return published;
    }
  }
}
