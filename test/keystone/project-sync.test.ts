import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_MAIN } from '@k2k/gateway';
import { defineProjectSyncScenario, type SyncRun } from '@k2k/gateway/dist/test/project-sync-scenario.js';
import { realFederation } from './real-keystone.js';

describe('k2k-gateway sync, against real Keystone (sync processes)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'k2k-sync-config-'));
  let files = 0;
  const configFile = (config: object): string => {
    const file = join(folder, `gateway-${files++}.json`);
    writeFileSync(file, JSON.stringify(config));
    return file;
  };

  after(() => rmSync(folder, { recursive: true, force: true }));

  defineProjectSyncScenario(realFederation, {
    runSync: (config, flags) =>
      new Promise<SyncRun>((resolve) => {
        execFile(process.execPath, [GATEWAY_MAIN, 'sync', ...flags, '--config', configFile(config)], { timeout: 60_000 }, (error, stdout, stderr) => {
          // What it printed, and on failure what it said on stderr too (a round that refused something says it on stdout)
          const lines = [...String(stdout).split('\n'), ...(error ? String(stderr).split('\n') : [])].filter(Boolean);
          resolve({ code: error ? Number(error.code ?? 1) : 0, lines });
        });
      }),
    startPolling: async (config) => {
      const child = spawn(process.execPath, [GATEWAY_MAIN, 'sync', '--config', configFile(config)], { stdio: ['ignore', 'ignore', 'inherit'] });
      return {
        stop: async () => {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const [code] = (await exited) as [number | null];
          return code ?? 1;
        },
      };
    },
    resellerGroup: 'k2k_resellers',
  });
});
