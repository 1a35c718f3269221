import { SealedJsonCache, type Store } from '@k2k/store';

/** What this gateway has seen of a target's service lately: decayed counts, so old samples fade. */
export interface TargetHealth {
  /** Requests seen recently (decayed with a half-life of `HALF_LIFE_MS`) */
  samples: number;
  /** Share of them that failed: unreachable, too slow, or a 5xx (0 to 1) */
  errorRate: number;
  /** Mean time to the answer's headers of those answered, in ms; null when none was */
  latencyMs: number | null;
  /** When the shared record was last written */
  updatedAt: string;
}

/** A target whose recent error rate reaches this is unhealthy: placed last. */
export const UNHEALTHY_ERROR_RATE = 0.5;

/** Samples fade by half every minute: "recent" is the last few minutes. */
const HALF_LIFE_MS = 60_000;
/** A process writes its samples to the store at most this often per target. */
const FLUSH_INTERVAL_MS = 1000;
/** The shared record outlives an idle hour at most. */
const RECORD_TTL_SECONDS = 3600;

/** The stored record: decayed sums as of `at`. */
interface HealthRecord {
  requests: number;
  errors: number;
  answered: number;
  latencyMsSum: number;
  at: number;
}

/** Whether a target counts as healthy: nothing seen there lately, or an error rate under the bar. */
export function isHealthy(health: TargetHealth | null | undefined): boolean {
  return !health || health.errorRate < UNHEALTHY_ERROR_RATE;
}

/**
 * Health per (service, target) as this gateway sees it, shared by every worker and host through
 * the store: each process adds its new samples to the shared record (read, decay, add, write).
 * Two processes writing at once may lose one's last second of samples; an estimate tolerates it,
 * and the store has no atomic update for a record. Writes are batched per second per target, off
 * the request's path; a store that is down only leaves each process with its own samples.
 */
export class HealthTracker {
  private readonly cache: SealedJsonCache<HealthRecord>;
  /** Samples not yet written, and those being written, per target */
  private readonly pending = new Map<string, HealthRecord>();
  private readonly writing = new Map<string, HealthRecord>();
  private readonly lastFlush = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    store: Store,
    private readonly serviceType: string,
  ) {
    this.cache = new SealedJsonCache<HealthRecord>(store, 'k2k-health');
  }

  /** One request's outcome at `target` (an SP id or the local cloud's name). */
  record(target: string, ok: boolean, latencyMs: number | undefined): void {
    const now = Date.now();
    const sample = this.pending.get(target) ?? { requests: 0, errors: 0, answered: 0, latencyMsSum: 0, at: now };
    sample.requests++;
    if (!ok) sample.errors++;
    if (latencyMs !== undefined) {
      sample.answered++;
      sample.latencyMsSum += latencyMs;
    }
    this.pending.set(target, sample);
    const wait = (this.lastFlush.get(target) ?? 0) + FLUSH_INTERVAL_MS - now;
    if (wait <= 0) this.flushInBackground(target);
    else if (!this.timers.has(target)) this.schedule(target, wait);
  }

  /** The target's health: the shared record with this process's unwritten samples; null when nothing was seen. */
  async read(target: string): Promise<TargetHealth | null> {
    const now = Date.now();
    const stored = await this.cache.get(this.subject(target));
    const own = [this.pending.get(target), this.writing.get(target)].flatMap((r) => (r ? [decayed(r, now)] : []));
    const record = own.reduce<HealthRecord | undefined>((sum, r) => merge(sum, r, now), stored && decayed(stored, now));
    if (!record || record.requests < 0.01) return null;
    return {
      samples: round(record.requests),
      errorRate: round(record.errors / record.requests),
      latencyMs: record.answered > 0 ? round(record.latencyMsSum / record.answered) : null,
      updatedAt: new Date(stored?.at ?? now).toISOString(),
    };
  }

  /** Adds this process's pending samples to the shared record, after any write of this target under way. */
  flush(target: string): Promise<void> {
    const next = (this.inFlight.get(target) ?? Promise.resolve()).then(() => this.write(target));
    this.inFlight.set(target, next);
    next
      .finally(() => {
        if (this.inFlight.get(target) === next) this.inFlight.delete(target);
      })
      .catch(() => undefined);
    return next;
  }

  /** A flush no one waits for: a failed write (a store that throws) is only lost samples. */
  private flushInBackground(target: string): void {
    this.flush(target).catch(() => undefined);
  }

  private async write(target: string): Promise<void> {
    clearTimeout(this.timers.get(target));
    this.timers.delete(target);
    const batch = this.pending.get(target);
    if (!batch) return;
    this.pending.delete(target);
    this.writing.set(target, batch);
    const now = Date.now();
    this.lastFlush.set(target, now);
    const stored = await this.cache.get(this.subject(target));
    const written = await this.cache.set(this.subject(target), merge(stored && decayed(stored, now), decayed(batch, now), now) as HealthRecord, RECORD_TTL_SECONDS);
    this.writing.delete(target);
    // Not written (the store is down): the batch waits for the next write with what came since.
    if (!written) this.pending.set(target, merge(decayed(batch, Date.now()), this.pending.get(target), Date.now()) as HealthRecord);
    if (this.pending.has(target) && !this.timers.has(target)) this.schedule(target, FLUSH_INTERVAL_MS);
  }

  private schedule(target: string, waitMs: number): void {
    this.timers.set(target, setTimeout(() => this.flushInBackground(target), waitMs).unref());
  }

  /** Writes every target's pending samples and stops the timers. */
  async close(): Promise<void> {
    const targets = new Set([...this.pending.keys(), ...this.inFlight.keys()]);
    await Promise.all([...targets].map((target) => this.flush(target).catch(() => undefined)));
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private subject(target: string): string {
    return `${this.serviceType}\n${target}`;
  }
}

function decayed(record: HealthRecord, now: number): HealthRecord {
  const factor = Math.pow(0.5, Math.max(0, now - record.at) / HALF_LIFE_MS);
  return { requests: record.requests * factor, errors: record.errors * factor, answered: record.answered * factor, latencyMsSum: record.latencyMsSum * factor, at: now };
}

function merge(a: HealthRecord | undefined, b: HealthRecord | undefined, now: number): HealthRecord | undefined {
  if (!a || !b) return a ?? b;
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, answered: a.answered + b.answered, latencyMsSum: a.latencyMsSum + b.latencyMsSum, at: now };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
