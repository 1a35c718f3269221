import { startFederation, SEED, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createLogger } from '../src/app/logger.js';
import { runSyncCommand } from '../src/sync/sync-command.js';
import { defineProjectSyncScenario, type SyncRun } from './project-sync-scenario.js';

describe('k2k-gateway sync, against the simulated IdP and SP (rounds in-process, memcached)', () => {
  let federation: Federation;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
  });

  /** What main.ts does for `sync`, minus the process: the lines printed and the exit code. */
  const run = async (raw: object, flags: string[], signal?: AbortSignal): Promise<SyncRun> => {
    const lines: string[] = [];
    const report = await runSyncCommand(parseConfig(raw), { once: flags.includes('--once'), dryRun: flags.includes('--dry-run') }, (line) => lines.push(line), createLogger('silent'), signal);
    return { code: report.failures > 0 ? 1 : 0, lines };
  };

  defineProjectSyncScenario(() => federation.env, {
    runSync: (raw, flags) => run(raw, flags),
    startPolling: async (raw) => {
      const stop = new AbortController();
      const running = run(raw, [], stop.signal);
      return {
        stop: async () => {
          stop.abort();
          return (await running).code;
        },
      };
    },
    resellerGroup: SEED.resellerGroup,
    limitIdpProjectList: (limit) => {
      federation.idp.directory.projectListLimit = limit;
    },
  });

  // After the scenario's own clean-up, which still talks to both Keystones.
  after(() => federation.close());
});
