/**
 * Store throughput: get and set ops/s on the memory, memcached and tiered backends, each on a
 * memcached started on loopback for this run. Bounded: each measurement stops after `maxOps`
 * operations or `maxMs`, whichever comes first.
 *   node test/dist/bench/store.js
 */
import { createStore, type Store, type StoreOptions } from '@k2k/store';
import { startMemcached } from '@k2k/testing';
import { printTable } from './table.js';

export interface StoreBenchRow {
  backend: string;
  operation: 'get' | 'set';
  opsPerSecond: number;
}

const CONCURRENCY = 32;
const KEYS = 1000;
const VALUE = Buffer.alloc(2048, 'x'); // about a sealed token with a small catalog
// get and set move raw bytes: the secret only satisfies createStore, it seals nothing here
const SECRET = 'store-bench-secret-0123';

async function measure(operation: (i: number) => Promise<unknown>, maxOps: number, maxMs: number): Promise<number> {
  const started = process.hrtime.bigint();
  const stopAt = Date.now() + maxMs;
  let next = 0;
  const lane = async () => {
    while (next < maxOps && Date.now() < stopAt) await operation(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(next / seconds);
}

async function benchBackend(name: string, options: StoreOptions, maxOps: number, maxMs: number): Promise<StoreBenchRow[]> {
  const store: Store = createStore(options);
  try {
    for (let i = 0; i < KEYS; i++) await store.set(`key-${i}`, VALUE, 300); // warm: every get hits
    const set = await measure((i) => store.set(`key-${i % KEYS}`, VALUE, 300), maxOps, maxMs);
    const get = await measure((i) => store.get(`key-${i % KEYS}`), maxOps, maxMs);
    if (store.stats().errors > 0) throw new Error(`${name}: ${store.stats().errors} store errors during the run`);
    return [
      { backend: name, operation: 'get', opsPerSecond: get },
      { backend: name, operation: 'set', opsPerSecond: set },
    ];
  } finally {
    await store.close();
  }
}

/** Runs the store benchmark on a memcached of its own; returns one row per backend and operation. */
export async function benchStore(maxOps = 50_000, maxMs = 3000): Promise<StoreBenchRow[]> {
  const memcached = await startMemcached();
  try {
    const servers = [memcached.location];
    return [
      ...(await benchBackend('memory', { backend: 'memory' }, maxOps, maxMs)),
      ...(await benchBackend('memcached', { backend: 'memcached', servers, secret: SECRET, timeoutMs: 1000 }, maxOps, maxMs)),
      ...(await benchBackend('tiered', { backend: 'tiered', servers, secret: SECRET, timeoutMs: 1000, l1MaxEntries: KEYS * 2 }, maxOps, maxMs)),
    ];
  } finally {
    await memcached.stop();
  }
}

if (require.main === module) {
  benchStore().then(
    (rows) => printTable(['backend', 'operation', 'ops/s'], rows.map((r) => [r.backend, r.operation, r.opsPerSecond.toLocaleString('en-US')])),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
