/**
 * The routing benchmark: `npm run bench:routing` (builds first). On loopback, in one run, with the
 * gateway as its own process (1 worker, memcached store with a secret key):
 *
 * 1. Does a learned request cost the same as a header-routed one? GET of one volume at sp1 (the fake
 *    volume service answers a show after 2 ms) direct, through a plain http-proxy-middleware
 *    proxy, and through the gateway routed by headers, by a learned location (no header, after one
 *    warm-up GET that searched and learned) and by `<id>@sp1`, at concurrency 1 and 16
 *    (autocannon, K2K_BENCH_SECONDS per cell, default 3): requests/s, p50, p99, the proxy's CPU
 *    time per request and the ratios.
 * 2. Does search latency follow the fastest owner or the sum? For 1, 2 and 4 service providers, each
 *    volume service slowed by a different fixed latency on a show, sequential first GETs without
 *    headers of never-seen ids seeded at one SP (the fastest, then the slowest): median and p90 of
 *    the request, next to the expected floor and to what a sequential search would cost, with the
 *    probes per search; beside it, a PUT of never-seen ids at the same owner: a mutation waits for
 *    every probe (it goes to the single claimant), so its latency follows the slowest cloud.
 *
 * Every loop is bounded in count and time; everything started here is stopped, also on failure.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, startFederation, type Federation, type MemcachedServer } from '@k2k/testing';
import { startGatewayProcess } from '@k2k/gateway';
import { load } from './load.js';
import { fromChild, startProcess } from '../support/server-process.js';
import { gatewayConfig, inStack, measure, readMetrics, remoteTokenByHand, runBench, Stack, userToken, type Measured, type Scenario } from './common.js';
import { printTable } from './table.js';

const SECONDS = Number(process.env.K2K_BENCH_SECONDS ?? 3);
const CONCURRENCY = [1, 16];
/** Part 1: sp1's volume service answers a show after this long */
const SHOW_LATENCY_MS = 2;
/** Part 2: each cloud's volume service answers a show after this long (idp: the local cloud) */
const LATENCY_MS: Record<string, number> = { idp: 5, sp1: 40, sp2: 10, sp3: 80, sp4: 20 };
const SP_COUNTS = [1, 2, 4];
/** Part 2: never-seen ids searched per (N, owner) */
const SEARCHES = Number(process.env.K2K_BENCH_SEARCHES ?? 40);
/** Part 2: a (N, owner) cell stops after this long even if it has not done SEARCHES */
const SEARCH_CELL_MAX_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** Gateways stop at once: no drain grace to wait for here */
const GATEWAY_EXTRA = { drain: { grace_seconds: 0, timeout_seconds: 5 } };

const ms = (value: number) => value.toFixed(2);
const ratio = (value: number | undefined, base: number | undefined) => (value === undefined || base === undefined || base === 0 ? '-' : (value / base).toFixed(2));

/** One GET (or another request), its status, the SP that answered (X-K2K-Service-Provider) and its duration. */
async function get(url: string, headers: Record<string, string>, init: RequestInit = {}): Promise<{ status: number; servedBy: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  await response.arrayBuffer();
  return { status: response.status, servedBy: response.headers.get('x-k2k-service-provider') ?? 'local', ms: performance.now() - started };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Part 1: learned vs header-routed vs qualified id vs plain proxy vs direct, for GET of one volume. */
async function learnedVersusHeaders(dir: string, memcached: MemcachedServer, stack: Stack): Promise<void> {
  const federation = await startFederation({ serviceProviders: ['sp1'] });
  stack.defer(() => federation.close());
  const sp1 = federation.cloud('sp1');
  sp1.volume.faults.set({ latencyMs: SHOW_LATENCY_MS }, 'volumes.show');
  const user = await userToken(federation);
  const remote = await remoteTokenByHand(user, 'sp1');
  await user.client.close();
  const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'bench-show' });
  const backend = sp1.volume.publicUrl;
  const remotePath = `/v3/${remote.projectId}/volumes/${volume.id}`;

  const plain = await startProcess(join(__dirname, 'plain-proxy.js'), [backend]);
  stack.defer(() => plain.stop());
  const gateway = await startGatewayProcess(gatewayConfig(dir, 'routing-show', federation, memcached, await freePort(), 1, 'memcached', GATEWAY_EXTRA));
  stack.defer(() => gateway.stop());
  const gatewayServer = fromChild(gateway.child, 0);
  const showPath = `${gateway.url}/volume/v3/${federation.env.idpProjectId}/volumes`;
  const auth = { 'x-auth-token': user.id };

  // The first header-less GET of the id: a search (local probe, then sp1), which learns the location.
  const before = await readMetrics(gateway.url);
  const first = await get(`${showPath}/${volume.id}`, auth);
  const after = await readMetrics(gateway.url);
  const delta = (name: string, labels?: Record<string, string>) => after(name, labels) - before(name, labels);
  if (first.status !== 200 || first.servedBy !== 'sp1') throw new Error(`warm-up GET without header: HTTP ${first.status} from ${first.servedBy}, expected 200 from sp1`);

  const routing = { 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' };
  const scenarios: Scenario[] = [
    { name: '(a) direct to sp1 volume service', url: `${backend}${remotePath}`, headers: { 'x-auth-token': remote.id } },
    { name: '(b) plain http-proxy-middleware', url: `${plain.url}${remotePath}`, headers: { 'x-auth-token': remote.id }, proxy: plain },
    { name: '(c) gateway, routing headers', url: `${showPath}/${volume.id}`, headers: { ...auth, ...routing }, proxy: gatewayServer },
    { name: '(d) gateway, learned location', url: `${showPath}/${volume.id}`, headers: auth, proxy: gatewayServer },
    { name: '(e) gateway, <id>@sp1 in the path', url: `${showPath}/${volume.id}@sp1`, headers: auth, proxy: gatewayServer },
  ];
  for (const scenario of scenarios) {
    await load(scenario.url, scenario.headers, 4, 1); // warm: connections, caches, JIT
    sp1.volume.reset();
  }

  const searchesBefore = (await readMetrics(gateway.url))('k2k_searches_total');
  const exchangesBefore = federation.idp.calls.count('saml2.ecp');
  const results = new Map<string, Measured>();
  for (const connections of CONCURRENCY) {
    for (const scenario of scenarios) {
      results.set(`${scenario.name}@${connections}`, await measure(scenario, connections, SECONDS));
      for (const cloud of federation.clouds) cloud.volume.reset(); // keeps the request logs small
    }
  }
  const searchesDuring = (await readMetrics(gateway.url))('k2k_searches_total') - searchesBefore;
  const exchangesDuring = federation.idp.calls.count('saml2.ecp') - exchangesBefore;

  console.log(`\n1. GET of one volume at sp1: learned location vs routing headers vs <id>@sp1, against a plain proxy.`);
  console.log(`   ${SECONDS} s per cell (autocannon in the bench process), sp1's volume service answers a show after ${SHOW_LATENCY_MS} ms;`);
  console.log(`   gateway: its own process, 1 worker, memcached store; CPU: the proxy process's user+system time per request`);
  console.log(`   (from /proc, 10 ms ticks). "vs plain" compares with (b), "vs (c)" with the header-routed gateway.`);
  console.log(
    `   Warm-up GET without header: HTTP ${first.status} from ${first.servedBy} in ${first.ms.toFixed(1)} ms, ` +
      `searches +${delta('k2k_searches_total')} (remote: +${delta('k2k_searches_total', { outcome: 'remote' })}), ` +
      `probes +${delta('k2k_search_probes_total')}, locations learned +${delta('k2k_locations_total', { action: 'learned' })}.`,
  );
  console.log(`   During the timed cells: ${searchesDuring} searches, ${exchangesDuring} K2K exchanges.\n`);
  const rows: string[][] = [];
  for (const connections of CONCURRENCY) {
    const plainResult = results.get(`${scenarios[1].name}@${connections}`) as Measured;
    const headerResult = results.get(`${scenarios[2].name}@${connections}`) as Measured;
    for (const [index, scenario] of scenarios.entries()) {
      const result = results.get(`${scenario.name}@${connections}`) as Measured;
      const gatewayRow = index >= 2;
      rows.push([
        scenario.name,
        String(connections),
        String(result.requestsPerSecond),
        ms(result.p50Ms),
        ms(result.p99Ms),
        result.proxyCpuUs === undefined ? '-' : result.proxyCpuUs.toFixed(0),
        gatewayRow ? ratio(result.requestsPerSecond, plainResult.requestsPerSecond) : '-',
        gatewayRow ? ratio(result.proxyCpuUs, plainResult.proxyCpuUs) : '-',
        gatewayRow ? ratio(result.requestsPerSecond, headerResult.requestsPerSecond) : '-',
        gatewayRow ? ratio(result.proxyCpuUs, headerResult.proxyCpuUs) : '-',
        String(result.errors + result.non2xx),
      ]);
    }
  }
  printTable(['scenario', 'conc', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'req/s vs plain', 'CPU vs plain', 'req/s vs (c)', 'CPU vs (c)', 'errors'], rows);
}

interface SearchCell {
  n: number;
  owner: string;
  which: string;
  done: number;
  failed: number;
  latencies: number[];
  /** PUTs of never-seen ids at the owner (each after a search of every cloud): those answered by the owner, sorted */
  mutationLatencies: number[];
  mutationsFailed: number;
  probes: { found: number; missing: number; skipped: number; failed: number };
  searches: number;
  exchanges: number;
  cpuUsPerSearch: number;
  /** Requests that reached each volume service, per search (a background probe still under way when counted is not) */
  localRequests: number;
  ownerRequests: number;
  otherRequests: number;
}

/** Part 2, one federation of N service providers: the timed searches for each owner. */
async function searchCells(n: number, dir: string, memcached: MemcachedServer): Promise<SearchCell[]> {
  const spIds = Array.from({ length: n }, (_, i) => `sp${i + 1}`);
  const stack = new Stack();
  try {
    const federation: Federation = await startFederation({ serviceProviders: spIds });
    stack.defer(() => federation.close());
    for (const cloud of federation.clouds) cloud.volume.faults.set({ latencyMs: LATENCY_MS[cloud.name] }, 'volumes.show');
    const gateway = await startGatewayProcess(gatewayConfig(dir, `routing-search-${n}`, federation, memcached, await freePort(), 1, 'memcached', GATEWAY_EXTRA));
    stack.defer(() => gateway.stop());
    const gatewayServer = fromChild(gateway.child, 0);
    const user = await userToken(federation);
    await user.client.close();
    const auth = { 'x-auth-token': user.id };
    const showPath = `${gateway.url}/volume/v3/${federation.env.idpProjectId}/volumes`;
    const seedAt = (sp: string, name: string) => {
      const cloud = federation.cloud(sp);
      return cloud.volume.seed(cloud.projects.demo.id, { name }).id;
    };
    const byLatency = [...spIds].sort((a, b) => LATENCY_MS[a] - LATENCY_MS[b]);
    const owners = n === 1 ? [{ owner: 'sp1', which: 'only' }] : [{ owner: byLatency[0], which: 'fastest' }, { owner: byLatency[byLatency.length - 1], which: 'slowest' }];

    // Warm the remote tokens: one header-routed GET per SP (scoped by name), then header-less
    // searches of throwaway ids (a search scopes with the default project: another cache key).
    for (const sp of spIds) {
      const warm = await get(`${showPath}/${seedAt(sp, 'warm-header')}`, { ...auth, 'SERVICE-PROVIDER': sp, 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' });
      if (warm.status !== 200) throw new Error(`warm-up GET with headers at ${sp}: HTTP ${warm.status}`);
    }
    for (const { owner } of owners) {
      for (let i = 0; i < 3; i++) {
        const warm = await get(`${showPath}/${seedAt(owner, 'warm-search')}`, auth);
        if (warm.status !== 200 || warm.servedBy !== owner) throw new Error(`warm-up search: HTTP ${warm.status} from ${warm.servedBy}, expected 200 from ${owner}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // the warm-up searches' last probes end

    const cells: SearchCell[] = [];
    for (const { owner, which } of owners) {
      const ids = Array.from({ length: SEARCHES }, (_, i) => seedAt(owner, `searched-${i}`));
      for (const cloud of federation.clouds) cloud.volume.reset();
      const before = await readMetrics(gateway.url);
      const exchangesBefore = federation.idp.calls.count('saml2.ecp');
      const cpuBefore = gatewayServer.cpuMs();
      const latencies: number[] = [];
      let failed = 0;
      const stopAt = Date.now() + SEARCH_CELL_MAX_MS;
      for (const id of ids) {
        if (Date.now() >= stopAt) break;
        const result = await get(`${showPath}/${id}`, auth);
        if (result.status === 200 && result.servedBy === owner) latencies.push(result.ms);
        else failed++;
      }
      const cpuMs = gatewayServer.cpuMs() - cpuBefore;
      const after = await readMetrics(gateway.url);
      const delta = (name: string, labels?: Record<string, string>) => after(name, labels) - before(name, labels);
      const done = latencies.length + failed;
      const perSearch = (count: number) => (done === 0 ? NaN : count / done);
      const requests = new Map(federation.clouds.map((cloud) => [cloud.name, cloud.volume.requests.length]));
      const requestsAt = (name: string) => requests.get(name) ?? 0;
      const mutations = await mutateAfterSearch(ids.length, () => seedAt(owner, 'mutated'), showPath, auth, owner);
      cells.push({
        n,
        owner,
        which,
        done,
        failed,
        latencies: latencies.sort((a, b) => a - b),
        mutationLatencies: mutations.latencies,
        mutationsFailed: mutations.failed,
        probes: {
          found: perSearch(delta('k2k_search_probes_total', { outcome: 'found' })),
          missing: perSearch(delta('k2k_search_probes_total', { outcome: 'missing' })),
          skipped: perSearch(delta('k2k_search_probes_total', { outcome: 'skipped' })),
          failed: perSearch(delta('k2k_search_probes_total', { outcome: 'failed' }) + delta('k2k_search_probes_total', { outcome: 'invalid' })),
        },
        searches: delta('k2k_searches_total'),
        exchanges: federation.idp.calls.count('saml2.ecp') - exchangesBefore,
        cpuUsPerSearch: perSearch(cpuMs * 1000),
        localRequests: perSearch(requestsAt('idp')),
        ownerRequests: perSearch(requestsAt(owner)),
        otherRequests: perSearch(spIds.filter((sp) => sp !== owner).reduce((sum, sp) => sum + requestsAt(sp), 0)),
      });
    }
    return cells;
  } finally {
    await stack.unwind();
  }
}

/** Part 2's mutations: `count` PUTs without headers, each of a never-seen id at `owner`, sequential and bounded in time. */
async function mutateAfterSearch(count: number, seed: () => string, showPath: string, auth: Record<string, string>, owner: string): Promise<{ latencies: number[]; failed: number }> {
  const ids = Array.from({ length: count }, seed);
  const latencies: number[] = [];
  let failed = 0;
  const stopAt = Date.now() + SEARCH_CELL_MAX_MS;
  for (const id of ids) {
    if (Date.now() >= stopAt) break;
    const result = await get(`${showPath}/${id}`, { ...auth, 'content-type': 'application/json' }, { method: 'PUT', body: JSON.stringify({ volume: { name: 'renamed' } }) });
    if (result.status === 200 && result.servedBy === owner) latencies.push(result.ms);
    else failed++;
  }
  return { latencies: latencies.sort((a, b) => a - b), failed };
}

function printSearchCells(cells: SearchCell[]): void {
  const latencies = spIdsLatencies();
  console.log(`\n2. Search for a never-seen id: does its latency follow the owner or the sum of all clouds? Sequential first GETs without headers of`);
  console.log(`   ${SEARCHES} never-seen volume ids, all at one owner SP, through the gateway (1 worker), a new federation per N.`);
  console.log(`   Volume show latency: local ${LATENCY_MS.idp} ms, ${latencies}. A search probes the local service, then`);
  console.log(`   every SP in parallel; a GET goes to the first valid claimant (the other probes finish in the background), and is`);
  console.log(`   forwarded to the owner, which answers after its latency once more. floor = local probe + owner probe + owner forward`);
  console.log(`   (local + 2 x owner); sequential = local probe + every SP probed in turn + owner forward. Remote tokens warm: no K2K`);
  console.log(`   exchange in the loop. Probes/search from /metrics k2k_search_probes_total ("missing" includes the local probe;`);
  console.log(`   "other": skipped, failed, invalid); requests/search: GETs the fake volume services answered (local; owner: probe +`);
  console.log(`   forward; other SPs). Then as many PUTs of never-seen ids at the owner: a mutation waits for every probe and goes to`);
  console.log(`   the single claimant; PUT floor = local probe + the slowest SP's probe (an update answers at once).\n`);
  const rows = cells.map((cell) => {
    const owner = LATENCY_MS[cell.owner];
    const spLatencies = Array.from({ length: cell.n }, (_, i) => LATENCY_MS[`sp${i + 1}`]);
    const sum = spLatencies.reduce((a, b) => a + b, 0);
    const slowest = Math.max(...spLatencies);
    const fmt = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(2));
    return [
      String(cell.n),
      `${cell.owner} (${cell.which}, ${owner} ms)`,
      `${cell.done - cell.failed}/${SEARCHES}`,
      ms(percentile(cell.latencies, 50)),
      ms(percentile(cell.latencies, 90)),
      String(LATENCY_MS.idp + 2 * owner),
      String(LATENCY_MS.idp + sum + owner),
      `${fmt(cell.probes.found)} / ${fmt(cell.probes.missing)} / ${fmt(cell.probes.skipped + cell.probes.failed)}`,
      `${fmt(cell.localRequests)} / ${fmt(cell.ownerRequests)} / ${fmt(cell.otherRequests)}`,
      String(cell.searches),
      String(cell.exchanges),
      cell.cpuUsPerSearch.toFixed(0),
      `${cell.mutationLatencies.length}/${cell.mutationLatencies.length + cell.mutationsFailed}`,
      ms(percentile(cell.mutationLatencies, 50)),
      ms(percentile(cell.mutationLatencies, 90)),
      String(LATENCY_MS.idp + slowest),
    ];
  });
  printTable(
    [
      'N',
      'owner',
      'ok',
      'GET median ms',
      'GET p90 ms',
      'GET floor ms',
      'sequential ms',
      'probes/search found/missing/other',
      'requests/search local/owner/others',
      'searches',
      'exchanges',
      'gateway CPU µs/search',
      'PUT ok',
      'PUT median ms',
      'PUT p90 ms',
      'PUT floor ms',
    ],
    rows,
  );
}

function spIdsLatencies(): string {
  return Array.from({ length: Math.max(...SP_COUNTS) }, (_, i) => `sp${i + 1} ${LATENCY_MS[`sp${i + 1}`]} ms`).join(', ');
}

runBench('routing', async (dir, memcached) => {
  await inStack((stack) => learnedVersusHeaders(dir, memcached, stack));
  const cells: SearchCell[] = [];
  for (const n of SP_COUNTS) cells.push(...(await searchCells(n, dir, memcached)));
  printSearchCells(cells);
});
