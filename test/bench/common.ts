/**
 * Helpers shared by the benchmarks (index.ts, routing.ts, aggregation.ts): the user's token, the remote token
 * obtained by hand through K2K, a gateway config file, one measured load and the gateway's metrics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeystoneClient } from '@k2k/keystone';
import { startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { load, type LoadResult } from './load.js';
import type { ServerProcess } from '../support/server-process.js';

export interface Scenario {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The proxy in between, whose CPU time per request is measured */
  proxy?: ServerProcess;
}

export interface Measured extends LoadResult {
  /** CPU time the proxy process spent per request (µs), if there is one */
  proxyCpuUs?: number;
}

/** Loads a scenario for `seconds` at `connections` and reads the proxy's CPU time per request. */
export async function measure(scenario: Scenario, connections: number, seconds: number): Promise<Measured> {
  const cpuBefore = scenario.proxy?.cpuMs();
  const result = await load(scenario.url, scenario.headers, connections, seconds);
  if (!scenario.proxy || cpuBefore === undefined || result.requests === 0) return result;
  return { ...result, proxyCpuUs: ((scenario.proxy.cpuMs() - cpuBefore) * 1000) / result.requests };
}

/** alice's token at the IdP, scoped to her project demo, and the client that got it (close it). */
export async function userToken(federation: Federation): Promise<{ id: string; client: KeystoneClient }> {
  const client = new KeystoneClient({ authUrl: federation.env.idpAuthUrl });
  const token = await client.authenticate({ user: { name: 'alice', domain: { name: 'Default' } }, password: 'alicepw' }, { project: { name: 'demo', domain: { name: 'Default' } } });
  return { id: token.id, client };
}

/** The K2K exchange done by hand: a token at service provider `spId` (its first SP by default) scoped to demo (close user.client after). */
export async function remoteTokenByHand(user: { id: string; client: KeystoneClient }, spId?: string): Promise<{ id: string; projectId: string }> {
  const token = await user.client.validateToken(user.id, user.id, { catalog: false });
  const sp = spId === undefined ? token.serviceProviders[0] : token.serviceProviders.find((candidate) => candidate.id === spId);
  if (!sp) throw new Error(`the IdP offers no service provider ${spId ?? ''}`);
  const { unscoped, serviceProvider } = await user.client.federate(user.id, sp);
  const scoped = await serviceProvider.scopeToken(unscoped.id, { project: { name: 'demo', domain: { name: 'Default' } } });
  return { id: scoped.id, projectId: scoped.project?.id ?? '' };
}

/**
 * Writes a gateway config file in `dir` (volume and image mounts, the store on `memcached` with a
 * secret key) and returns its path. `extra`: more top-level keys (e.g. `drain`, `routing`).
 */
export function gatewayConfig(
  dir: string,
  name: string,
  federation: Federation,
  memcached: MemcachedServer,
  port: number,
  workers: number,
  backend: 'memcached' | 'tiered' = 'memcached',
  extra: Record<string, unknown> = {},
): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      listen: { host: '127.0.0.1', port },
      workers,
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint, image: federation.env.idpImageEndpoint } },
      mounts: { '/volume': 'volumev3', '/image': 'image' },
      store: { backend, servers: [memcached.location], secret_key: 'bench-secret-0123456789' },
      log_level: 'warn',
      ...extra,
    }),
  );
  return file;
}

/** The gateway's /metrics, summed per metric name over the series whose labels include `labels`. */
export async function readMetrics(gatewayUrl: string): Promise<(name: string, labels?: Record<string, string>) => number> {
  const response = await fetch(`${gatewayUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics: HTTP ${response.status}`);
  const series = text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!match) return undefined;
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    })
    .filter((entry) => entry !== undefined);
  return (name, labels = {}) =>
    series.filter((entry) => entry.name === name && Object.entries(labels).every(([key, value]) => entry.labels[key] === value)).reduce((sum, entry) => sum + entry.value, 0);
}

/** Async stops run in reverse order, each whatever the others did. */
export class Stack {
  private readonly stops: (() => Promise<unknown>)[] = [];

  defer(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  async unwind(): Promise<void> {
    while (this.stops.length > 0) {
      const stop = this.stops.pop() as () => Promise<unknown>;
      await stop().catch((error: Error) => console.error(`cleanup: ${error.message}`));
    }
  }
}

/** Runs one part of a benchmark with a cleanup stack of its own, unwound when the part ends. */
export async function inStack(part: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = new Stack();
  try {
    await part(stack);
  } finally {
    await stack.unwind();
  }
}

/**
 * Runs a benchmark with a temp folder and a memcached server, both cleaned up at the end, on a
 * failure (exit code 1) and on SIGINT / SIGTERM.
 */
export function runBench(name: string, body: (dir: string, memcached: MemcachedServer) => Promise<void>): void {
  const dir = mkdtempSync(join(tmpdir(), `k2k-bench-${name}-`));
  const stack = new Stack();
  stack.defer(async () => rmSync(dir, { recursive: true, force: true }));
  const interrupted = () => {
    void stack.unwind().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  (async () => {
    const memcached = await startMemcached();
    stack.defer(() => memcached.stop());
    await body(dir, memcached);
  })()
    .catch((error: Error) => {
      console.error(`bench:${name} failed: ${error.stack ?? error.message}`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await stack.unwind();
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
    });
}
