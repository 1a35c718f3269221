/**
 * The calling process of the client bench row (index.ts starts it): in interleaved rounds, a plain
 * fetch of the SP's Cinder with a remote token made by hand, and the same list through k2kClient
 * (warm: its remote token and the caller's identity cached) to the same backend; each bounded in
 * time. Prints one JSON line: per scenario and concurrency, calls/s, p50 and p99 (ms) and this
 * process's CPU time per call (µs), the backend being in another process.
 */
import { createStore } from '@k2k/store';
import { k2kClient } from '@k2k/client';

/** One load run's figures, as the parent (client.ts) reads them from this process. */
export interface Figures {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUs: number;
  failures: number;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/** `call` from `connections` loops at once for `seconds`: the figures of every call that ended. */
async function measure(call: () => Promise<Response>, connections: number, seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  let failures = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const begun = performance.now();
        const answer = await call();
        await answer.arrayBuffer();
        if (answer.status !== 200) failures++;
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { callsPerSecond: Math.round(latencies.length / elapsed), p50Ms: at(0.5), p99Ms: at(0.99), cpuUs: (used.user + used.system) / latencies.length, failures };
}

async function main(): Promise<void> {
  const seconds = Number(env('K2K_BENCH_SECONDS'));
  const rounds = Number(env('K2K_BENCH_ROUNDS'));
  const concurrency = env('K2K_BENCH_CONCURRENCY').split(',').map(Number);
  const store = createStore({ backend: 'memcached', servers: [env('K2K_MEMCACHED')], secret: 'bench-secret-0123456789' });
  const client = k2kClient({ authUrl: env('K2K_AUTH_URL'), store, proxyId: 'bench-client' });
  const volumes = client.session({ token: env('K2K_USER_TOKEN') }).service('volumev3');
  const scenarios: Record<string, () => Promise<Response>> = {
    'plain fetch to the SP backend': () => fetch(env('K2K_BACKEND_URL'), { headers: { 'x-auth-token': env('K2K_REMOTE_TOKEN') } }),
    'k2kClient -> remote SP (warm)': () => volumes.fetch('/volumes', { serviceProvider: 'sp1' }),
  };
  try {
    for (const call of Object.values(scenarios)) await measure(call, 4, 1); // warm: connections, caches, JIT
    const figures: Record<string, Figures[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const connections of concurrency) {
        for (const [name, call] of Object.entries(scenarios)) (figures[`${name}@${connections}`] ??= []).push(await measure(call, connections, seconds));
      }
    }
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await client.close();
    await store.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`client bench failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
