/**
 * The client row of `npm run bench`: k2kClient's warm remote call against a plain fetch of the same
 * backend (the SP's Cinder, with a remote token made by hand), both made in one calling process
 * (client-load.ts) while the simulated clouds run in this one: that process's CPU time per call and
 * its latency are the client's cost as a service pays it. Part of `npm run bench`; alone:
 * `npm run bench:client` (K2K_BENCH_SECONDS, K2K_BENCH_ROUNDS as for the whole bench).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { remoteTokenByHand, userToken } from './common.js';
import type { Figures } from './client-load.js';
import { printTable } from './table.js';


const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${ms.toFixed(2)}`;

export interface ClientBenchSetup {
  federation: Federation;
  memcached: MemcachedServer;
  /** The caller's token at the IdP */
  userToken: string;
  /** The same caller's token at sp1 (the K2K exchange done by hand), and the project it is scoped to */
  remote: { id: string; projectId: string };
  seconds: number;
  rounds: number;
  concurrency: number[];
}

export async function benchClient(setup: ClientBenchSetup): Promise<void> {
  const backend = `${setup.federation.cloud('sp1').volume.publicUrl}/v3/${setup.remote.projectId}/volumes`;
  const env = {
    ...process.env,
    K2K_BENCH_SECONDS: String(setup.seconds),
    K2K_BENCH_ROUNDS: String(setup.rounds),
    K2K_BENCH_CONCURRENCY: setup.concurrency.join(','),
    K2K_MEMCACHED: setup.memcached.location,
    K2K_AUTH_URL: setup.federation.env.idpAuthUrl,
    K2K_USER_TOKEN: setup.userToken,
    K2K_REMOTE_TOKEN: setup.remote.id,
    K2K_BACKEND_URL: backend,
  };
  // Bounded: every measurement is; the whole run gets twice their sum and a minute more.
  const timeout = (2 * setup.rounds * setup.concurrency.length * 2 * setup.seconds + 60) * 1000;
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'client-load.js')], { env, timeout, maxBuffer: 1 << 20 });
  const figures = JSON.parse(stdout) as Record<string, Figures[]>;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  console.log(`\nk2kClient on a service's outgoing path: medians of ${setup.rounds} rounds of ${setup.seconds} s, measured in the calling process (the clouds run in another)\n`);
  const rows: string[][] = [];
  for (const connections of setup.concurrency) {
    const plain = figures[`plain fetch to the SP backend@${connections}`] ?? [];
    for (const [name, measured] of Object.entries(figures).filter(([key]) => key.endsWith(`@${connections}`))) {
      const cpu = median(measured.map((m) => m.cpuUs));
      const plainCpu = median(plain.map((m) => m.cpuUs));
      const p50 = median(measured.map((m) => m.p50Ms));
      rows.push([
        name.slice(0, name.lastIndexOf('@')),
        String(connections),
        String(median(measured.map((m) => m.callsPerSecond))),
        p50.toFixed(2),
        median(measured.map((m) => m.p99Ms)).toFixed(2),
        signed(p50 - median(plain.map((m) => m.p50Ms))),
        cpu.toFixed(0),
        `${(cpu / plainCpu).toFixed(2)}x`,
        String(measured.reduce((sum, m) => sum + m.failures, 0)),
      ]);
    }
  }
  printTable(['scenario', 'conc', 'calls/s', 'p50 ms', 'p99 ms', 'p50 vs plain', 'caller CPU µs/call', 'CPU vs plain', 'failures'], rows);
}

if (require.main === module) {
  (async () => {
    const [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1'] }), startMemcached()]);
    try {
      // The backend answers its lists after 2 ms, as in the whole bench.
      for (const cloud of federation.clouds) cloud.volume.faults.set({ latencyMs: 2 }, 'volumes.list');
      const user = await userToken(federation);
      const remote = await remoteTokenByHand(user);
      await user.client.close();
      await benchClient({ federation, memcached, userToken: user.id, remote, seconds: Number(process.env.K2K_BENCH_SECONDS ?? 3), rounds: Number(process.env.K2K_BENCH_ROUNDS ?? 3), concurrency: [1, 16] });
    } finally {
      await Promise.all([federation.close(), memcached.stop()]);
    }
  })().catch((error: Error) => {
    console.error(`client bench failed: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  });
}
