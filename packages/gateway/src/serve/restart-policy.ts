export interface RestartPolicyOptions {
  /** Delay before the first restart */
  firstDelayMs: number;
  /** The delay doubles with each death that follows closely, up to this */
  maxDelayMs: number;
  /** Workers that die before listening, in a row (no worker became ready in between): then give up */
  maxEarlyDeaths: number;
  /** A death this long after the previous one starts again from `firstDelayMs` */
  calmMs: number;
}

export type AfterDeath = { action: 'restart'; delayMs: number } | { action: 'give-up' };

const DEFAULTS: RestartPolicyOptions = { firstDelayMs: 100, maxDelayMs: 5000, maxEarlyDeaths: 5, calmMs: 30_000 };

/**
 * When to replace a dead worker and when to stop trying. A worker that dies before it listens
 * usually meets a cause that will not go away (the port is taken, the config cannot work): a few
 * of those in a row end the gateway instead of respawning forever. A worker that dies after it
 * listened is always replaced, and the delay grows while deaths keep coming, so no crash loop
 * spins hot.
 */
export class RestartPolicy {
  private earlyDeaths = 0;
  private delayMs = 0;
  private lastDeathAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: RestartPolicyOptions = DEFAULTS) {}

  workerReady(): void {
    this.earlyDeaths = 0;
  }

  workerDied(wasReady: boolean, now = Date.now()): AfterDeath {
    if (!wasReady && ++this.earlyDeaths >= this.options.maxEarlyDeaths) return { action: 'give-up' };
    const calm = now - this.lastDeathAt > this.options.calmMs;
    this.delayMs = calm ? this.options.firstDelayMs : Math.min(this.delayMs * 2, this.options.maxDelayMs);
    this.lastDeathAt = now;
    return { action: 'restart', delayMs: this.delayMs };
  }
}
