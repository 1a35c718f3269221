import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger as PinoLogger } from 'pino';
import type { GatewayConfig } from '../config/config.js';
import { storeFor } from '../app/gateway.js';
import { ProjectSync, type SyncReport } from './project-sync.js';
import { eventSink } from './sync-events.js';

export interface SyncCommandOptions {
  /** One round, then stop (else a round every sync.interval_seconds until `signal` aborts) */
  once: boolean;
  /** Say what a round would change, change nothing, emit no event; implies once */
  dryRun: boolean;
}

/**
 * `k2k-gateway sync [--once] [--dry-run]`: project sync rounds (ProjectSync), one or one per
 * interval until `signal` aborts. Resolves with the last round's report (in polling mode, failed
 * rounds are reported on `out` and the next one tries again).
 */
export async function runSyncCommand(config: GatewayConfig, options: SyncCommandOptions, out: (line: string) => void, logger: PinoLogger, signal?: AbortSignal): Promise<SyncReport> {
  const store = storeFor(config, logger);
  try {
    const sync = new ProjectSync(config, store, eventSink(config.sync?.events), out);
    if (options.once || options.dryRun) return await sync.round(options.dryRun);
    let report: SyncReport = { changes: 0, failures: 0, skipped: false };
    while (!signal?.aborted) {
      report = await sync.round(false).catch((error: unknown) => {
        out(`round failed: ${(error as Error).message}`);
        return { changes: 0, failures: 1, skipped: false };
      });
      await sleep((config.sync?.intervalSeconds ?? 60) * 1000, undefined, { signal }).catch(() => undefined);
    }
    return report;
  } finally {
    await store.close();
  }
}
