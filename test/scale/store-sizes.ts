/**
 * What the gateway keeps in memcached, measured: `npm run build && node test/dist/scale/store-sizes.js`.
 * The gateway (2 workers, store secret, ENCRYPT) on one memcached server in front of the simulated
 * clouds (an IdP and two SPs), a little of every kind of traffic that writes to the store, then
 * memcached's `lru_crawler metadump all`: per namespace (the `k2k:<namespace>:` of each key), how
 * many items and how large (key, value and memcached's item header: what `stats` counts in
 * `bytes`). Also the peak of memcached's connections during a burst of new callers, and the size of
 * the simulated catalog, since validations and remote tokens carry their token's catalog. The
 * figures of packages/gateway/README.md ("Deployment", memcached pool sizing) come from it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startFederation, startMemcached } from '@k2k/testing';
import { startGateway, volumeGatewayConfig } from '../reliability/support/gateway.js';
import { memcachedItems, memcachedStats } from './support/probes.js';

const CALLERS = 20;
const BURST = 200;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k2k-store-sizes-'));
  const [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1', 'sp2'] }), startMemcached()]);
  const { env } = federation;
  const gateway = await startGateway(dir, {
    ...volumeGatewayConfig(env, [memcached.location], `store-sizes-${randomUUID()}`),
    listen: { host: '127.0.0.1', port: await freePort() },
    log_level: 'warn',
  });
  try {
    const statuses = new Map<number, number>();
    const get = async (path: string, headers: Record<string, string>) => {
      const response = await fetch(`${gateway.url}${path}`, { headers });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    };
    const volumes = `/volume/v3/${env.idpProjectId}/volumes`;
    const seed = (cloud: string, count: number) =>
      Array.from({ length: count }, (_, i) => federation.cloud(cloud).volume.seed(federation.cloud(cloud).projects.demo.id, { name: `sizes-${cloud}-${i}` }).id);
    const [local, sp1, sp2] = [seed('idp', 2), seed('sp1', 10), seed('sp2', 10)];
    const newToken = () => federation.idp.issueToken(env.user, env.idpProject);

    // Validations, and a remote token at each SP, for each caller.
    for (let i = 0; i < CALLERS; i++) {
      const token = newToken();
      await get(`${volumes}/${local[0]}`, { 'x-auth-token': token });
      await get(`${volumes}/${sp1[0]}`, { 'x-auth-token': token, 'service-provider': 'sp1' });
      await get(`${volumes}/${sp2[0]}`, { 'x-auth-token': token, 'service-provider': 'sp2' });
    }
    const token = newToken();
    // Learned locations (each id searched, then learned), absent marks, list cursors (pages with a next link), refused tokens, the regions document.
    for (const id of [...sp1, ...sp2]) await get(`${volumes}/${id}`, { 'x-auth-token': token });
    for (let i = 0; i < 10; i++) await get(`${volumes}/${randomUUID()}`, { 'x-auth-token': token });
    for (let limit = 2; limit < 7; limit++) await get(`${volumes}/detail?limit=${limit}`, { 'x-auth-token': token });
    for (let i = 0; i < 5; i++) await get(`${volumes}/${local[1]}`, { 'x-auth-token': `gAAAAAB-refused-${randomUUID()}` });
    await get('/k2k/v1/regions', { 'x-auth-token': token });

    // Connections: new callers all at once, memcached's count sampled meanwhile.
    let peakConnections = 0;
    const sampler = setInterval(() => {
      memcachedStats(memcached.port)
        .then((stats) => (peakConnections = Math.max(peakConnections, stats.curr_connections)))
        .catch(() => undefined);
    }, 20);
    await Promise.all(Array.from({ length: BURST }, () => get(`${volumes}/${sp1[0]}`, { 'x-auth-token': newToken(), 'service-provider': 'sp1' })));
    clearInterval(sampler);
    await sleep(1500); // health records are written at most once a second

    const byNamespace = new Map<string, number[]>();
    for (const item of await memcachedItems(memcached.port)) {
      const namespace = item.key.split(':')[1] ?? item.key;
      byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), item.size]);
    }
    const stats = await memcachedStats(memcached.port);
    const validation = (await (await fetch(`${env.idpAuthUrl}/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } })).json()) as {
      token: { catalog: { endpoints: unknown[] }[] };
    };
    const { catalog } = validation.token;

    console.log(`answers: ${[...statuses].map(([status, count]) => `${count} x ${status}`).join(', ')}`);
    console.log('namespace            items   bytes per item (min / avg / max)');
    for (const [namespace, sizes] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
      const average = sizes.reduce((sum, size) => sum + size, 0) / sizes.length;
      console.log(`${namespace.padEnd(20)} ${String(sizes.length).padStart(5)}   ${Math.min(...sizes)} / ${average.toFixed(0)} / ${Math.max(...sizes)}`);
    }
    console.log(`memcached: curr_items=${stats.curr_items} bytes=${stats.bytes}; peak connections during ${BURST} concurrent new callers (2 workers; memcached's listener and this sampler included)=${peakConnections}`);
    console.log(`the simulated catalog: ${catalog.length} services, ${catalog.reduce((sum, service) => sum + service.endpoints.length, 0)} endpoints, ${JSON.stringify(catalog).length} bytes of JSON`);
  } finally {
    await gateway.stop();
    await memcached.kill();
    await federation.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
