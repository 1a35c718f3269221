/**
 * The reliability suite (`npm run test:reliability`): the gateway (packages/gateway, 2 cluster
 * workers on a real memcached, with a store secret) in its own process, in front of simulated
 * clouds (an IdP and two SPs, in this process), under a steady load of GETs of one volume at the
 * local cloud and at each SP (SERVICE-PROVIDER header), sent from a worker thread. While an SP
 * misbehaves, the load also asks for what needs every cloud: the merged volume list and a GET of
 * an sp2 volume by id alone (no routing header), and single requests search for new sp2 volumes.
 * One fault per test; each test prints one line: fault, requests sent, failed, p99.
 *
 * Everything the gateway writes (stdout, stderr, log level debug) and every error body the load
 * received is kept, then grepped for every token the clouds issued; every request the SPs'
 * services received is checked for a local token.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { startGateway, volumeGatewayConfig, type GatewayUnderTest } from './support/gateway.js';
import { OwnedProcesses, restartMemcached } from '../support/owned-processes.js';
import { describeFailures, p99, runLoad, type LoadRun, type LoadTarget, type RequestRecord } from './support/load.js';
import { listenAgain } from './support/listen-again.js';

/** Requests per second for each (cloud, user token) pair: 3 clouds x 2 tokens x 50 = 300 req/s. */
const RATE_PER_TARGET = 50;
/**
 * During the SP faults, per user token: merged lists (each one a request to every cloud) and GETs
 * of an sp2 volume by id alone, 2 x (10 + 10) = 40 req/s more.
 */
const UNROUTED_RATE = 10;
/** New sp2 volumes searched for (by id, no routing header) while an SP misbehaves */
const SEARCHES_PER_FAULT = 3;
/**
 * A request sent this long before an SP's fault is cleared still reaches the SP while it is faulty
 * (the machine is shared and noisy: generous)
 */
const FAULT_EDGE_MS = 1000;
/** When the load's volumes were created (Cinder's format), before any other: the merged list's first page */
const FIRST_CREATED_AT = '2020-01-01T00:00:00.000000';
/** And the one volume that comes next in the merged list (at sp2) */
const NEXT_CREATED_AT = '2020-01-01T00:00:01.000000';
const USER_TOKENS = 2;
const CONNECTIONS_PER_TARGET = 8;
/** The gateway's upstream (forward) timeout, short so that the slow-SP fault is quick to see */
const UPSTREAM_TIMEOUT_MS = 2000;
/** The IdP's Keystone down: a new token must be refused within this (the machine is shared and noisy) */
const QUICK_503_MS = 5000;
/**
 * A killed worker may take its in-flight requests with it, no more. How many it has depends on the
 * latency at that moment (300 req/s x 100-300 ms on a busy 2-core machine: 15 to 45 over both
 * workers), so the count is bounded by what the load can have in flight at all (one request per
 * connection), and the test checks that each failure was indeed in flight at the kill.
 */
const KILLED_WORKER_FAILURES_MAX = 3 * USER_TOKENS * CONNECTIONS_PER_TARGET;
/** Requests sent this soon after the kill may still go to the dead worker's connections */
const IN_FLIGHT_WINDOW_MS = 500;
const STORE_SECRET = `reliability-store-secret-${process.pid}-${Date.now()}`;
/** memcached servers this suite started and has not stopped: killed if the process exits first */
const memcachedPids = new OwnedProcesses(false);

/** A GET of a new volume by id alone, and what it cost. */
interface Search {
  volume: string;
  status: number;
  text: string;
  ms: number;
  serviceProvider: string | null;
  answeredAt: number;
  /** GETs of the volume the local cloud received (the search's first probe) */
  localProbes: number;
}

interface Phase {
  /** Requests sent in [from, to) */
  from: number;
  to: number;
}

describe('reliability: the gateway under steady load, one fault at a time', function () {
  this.timeout(90_000);
  let federation: Federation;
  let memcached: MemcachedServer | undefined;
  let memcachedPort: number;
  let gateway: GatewayUnderTest | undefined;
  let dir: string;
  /** The load of every test: one volume at each cloud, per user token */
  let targets: LoadTarget[];
  /** What the load adds while an SP misbehaves: the merged list, and an sp2 volume by id alone */
  let unroutedTargets: LoadTarget[];
  let userTokens: string[];
  /** Every error body received, by the load and by the single requests */
  const errorBodies: string[] = [];
  /** Local tokens found in a request an SP's service received */
  const leakedToSp: string[] = [];
  let spRequestsChecked = 0;
  /** The load of the running test */
  let currentLoad: Promise<LoadRun> | undefined;

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'k2k-reliability-'));
    [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1', 'sp2'] }), startMemcached()]);
    memcachedPids.add(memcached.pid);
    memcachedPort = memcached.port;
    const { env } = federation;
    gateway = await startGateway(dir, {
      ...volumeGatewayConfig(env, [memcached.location], STORE_SECRET),
      listen: { host: '127.0.0.1', port: await freePort() },
      upstream: { timeout_seconds: UPSTREAM_TIMEOUT_MS / 1000 },
      // stopping at the end: no grace for a load balancer, there is none
      drain: { grace_seconds: 0, timeout_seconds: 10 },
      log_level: 'debug',
    });

    // One volume in each cloud, in the project the caller's requests are scoped to there; created
    // before anything else, they are the merged list's first page (with sp2's next one in sp1's place
    // while sp1 is missing), and the volumes searched for later, newer, never are.
    const volumeIn = (cloud: string, createdAt = FIRST_CREATED_AT) =>
      federation.cloud(cloud).volume.seed(federation.cloud(cloud).projects.demo.id, { name: `reliability-${cloud}`, createdAt }).id;
    const local = volumeIn('idp');
    const remote = { sp1: volumeIn('sp1'), sp2: volumeIn('sp2') };
    volumeIn('sp2', NEXT_CREATED_AT);
    userTokens = Array.from({ length: USER_TOKENS }, () => federation.idp.issueToken(env.user, env.idpProject));
    const path = (volume: string) => `/volume/v3/${env.idpProjectId}/volumes/${volume}`;
    targets = userTokens.flatMap((token) => [
      { name: 'local', path: path(local), headers: { 'x-auth-token': token }, expect: local },
      ...(['sp1', 'sp2'] as const).map((sp) => ({
        name: sp,
        path: path(remote[sp]),
        headers: { 'x-auth-token': token, 'service-provider': sp, 'project-name': 'demo', 'project-domain': 'Default' },
        expect: remote[sp],
        serviceProvider: sp,
      })),
    ]);
    // No routing header: the list goes to every cloud and is merged; the sp2 volume's GET finds it
    // by a search (at the warm-up), then by its learned location. The list's items are learned, so
    // a volume searched for must never be on its page (it would be found without a search).
    unroutedTargets = userTokens.flatMap((token) => [
      {
        name: 'merged list',
        path: `/volume/v3/${env.idpProjectId}/volumes/detail?sort=created_at:asc&limit=3`,
        headers: { 'x-auth-token': token },
        expect: local,
        expectUnlessPartial: remote,
        rate: UNROUTED_RATE,
      },
      { name: 'sp2 by id', path: path(remote.sp2), headers: { 'x-auth-token': token }, expect: remote.sp2, serviceProvider: 'sp2', rate: UNROUTED_RATE },
    ]);
    // Warm: every token validated and every remote token obtained once, before any fault.
    for (const target of [...targets, ...unroutedTargets]) {
      const answer = await get(target.path, target.headers);
      expect(answer.status, `warm-up ${target.name}: ${answer.text}`).to.equal(200);
      expect(answer.partial, `warm-up ${target.name}: clouds missing from the list`).to.equal(null);
    }
  });

  afterEach(async function () {
    this.timeout(UPSTREAM_TIMEOUT_MS + 90_000);
    // A test that failed half-way leaves nothing behind for the next: its load has ended, every
    // fault is cleared, every server is up again.
    await currentLoad?.catch(() => undefined);
    currentLoad = undefined;
    if (!federation) return;
    for (const cloud of federation.clouds) {
      for (const server of [cloud.keystone, cloud.volume, cloud.image]) {
        server.faults.clear();
        await listenAgain(server);
      }
    }
    if (memcached && !alive(memcached.pid)) memcached = await restartMemcached(memcachedPort, memcachedPids);

    // The local user's tokens (and every other token the IdP issued) must never reach an SP.
    const localTokens = federation.idp.issuedTokens();
    for (const sp of ['sp1', 'sp2']) {
      const { volume, image } = federation.cloud(sp);
      for (const received of [...volume.requests, ...image.requests]) {
        spRequestsChecked++;
        const headers = JSON.stringify(received.headers);
        for (const token of localTokens) if (headers.includes(token)) leakedToSp.push(`${sp} ${received.method} ${received.path} (${this.currentTest?.title})`);
      }
      volume.reset();
      image.reset();
    }
  });

  after(async function () {
    this.timeout(60_000);
    await gateway?.stop();
    await memcached?.kill();
    await federation?.close();
    memcachedPids.clear();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One GET to the gateway from this thread (not the load), its body kept when it is an error. */
  async function get(path: string, headers: Record<string, string>): Promise<{ status: number; text: string; ms: number; serviceProvider: string | null; partial: string | null }> {
    const started = performance.now();
    const response = await fetch(`${gateway!.url}${path}`, { headers });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status >= 300) errorBodies.push(text);
    return { status: response.status, text, ms, serviceProvider: response.headers.get('x-k2k-service-provider'), partial: response.headers.get('x-k2k-partial') };
  }

  /** One GET on a connection of its own (no keep-alive): its status, or the connection error. */
  function getOnNewConnection(path: string, headers: Record<string, string>): Promise<number | string> {
    return new Promise((resolve) => {
      const req = httpGet(`${gateway!.url}${path}`, { headers, agent: false }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
  }

  /** The gateway's log lines other than per-request ones (start, worker deaths, warnings), the last `count`. */
  function lifecycle(count = 20): string {
    const lines = gateway!.lines.filter((line) => !/"msg":"(request|forwarded)"/.test(line));
    return `gateway ${alive(gateway!.pid) ? 'primary alive' : 'primary gone'}; its last lines:\n${lines.slice(-count).join('\n')}`;
  }

  /** Starts the load for about `seconds`: a fixed count per target, and a time limit. */
  function startLoad(seconds: number, loadTargets = targets): Promise<LoadRun> {
    return (currentLoad = runLoad({
      baseUrl: gateway!.url,
      targets: loadTargets,
      ratePerTarget: RATE_PER_TARGET,
      requestsPerTarget: RATE_PER_TARGET * seconds,
      maxMs: (seconds + 10) * 1000,
      connectionsPerTarget: CONNECTIONS_PER_TARGET,
      requestTimeoutMs: UPSTREAM_TIMEOUT_MS + 10_000,
    }));
  }

  /** Keeps the error bodies, prints the test's line of figures (and `more`), and returns the failed requests. */
  function figures(fault: string, run: LoadRun, more = ''): RequestRecord[] {
    const failed = run.records.filter((record) => !record.ok);
    for (const record of failed) if (record.body) errorBodies.push(record.body);
    console.log(`      figures: fault=${fault}  sent=${run.records.length}  failed=${failed.length}  p99=${p99(run.records).toFixed(1)} ms  (${((run.ended - run.started) / 1000).toFixed(1)} s)${more}`);
    return failed;
  }

  const within = (phase: Phase) => (record: RequestRecord) => record.at >= phase.from && record.at < phase.to;
  const of = (name: string) => (record: RequestRecord) => record.target === name;

  it('memcached killed and restarted mid-load: no request fails, and the store serves again', async () => {
    const load = startLoad(20);
    await sleep(3000);
    await memcached!.kill();
    memcachedPids.delete(memcached!.pid);
    const outage: Phase = { from: Date.now(), to: 0 };
    await sleep(5000);
    memcached = await restartMemcached(memcachedPort, memcachedPids);
    outage.to = Date.now();
    // The store retries a dead server after 5 s; then token validations come from it again.
    await sleep(7000);
    const validationsBefore = federation.idp.calls.count('tokens.validate');
    const run = await load;
    const validationsAfter = federation.idp.calls.count('tokens.validate') - validationsBefore;

    const failed = figures('memcached killed and restarted', run);
    const phases = `before the kill: ${failed.filter((r) => r.at < outage.from).length}, while down: ${failed.filter(within(outage)).length}, after the restart: ${failed.filter((r) => r.at >= outage.to).length}`;
    expect(failed, `${describeFailures(run.records)}\nfailures sent ${phases}`).to.have.length(0);
    // Enough requests fell in the outage for the test to mean something (how many depends on the machine's load).
    expect(run.records.filter(within(outage)).length, 'requests sent while memcached was down').to.be.greaterThan(100);
    expect(validationsAfter, 'IdP token validations in the last seconds (the store should cache them again)').to.be.at.most(2);
  });

  /**
   * One SP's volume service misbehaves for `faultMs` after 3 s of load, then recovers; the load
   * goes on `afterMs` more. Only that SP's requests may fail, as `check` says; what asks every
   * cloud goes on with the others: the merged list answers 200 without sp1's items (X-K2K-Partial:
   * sp1) while sp1 is faulty, and whole again once it recovered; an sp2 volume asked for by id alone
   * is answered, from its learned location by the load and by a search for new volumes.
   */
  async function spFault(
    fault: string,
    windows: { faultMs: number; afterMs: number },
    inject: () => void | Promise<void>,
    clear: () => void | Promise<void>,
    check: (failure: RequestRecord) => void,
    recoveryMs: number,
  ): Promise<void> {
    const load = startLoad(Math.ceil((3000 + windows.faultMs + windows.afterMs) / 1000), [...targets, ...unroutedTargets]);
    await sleep(3000);
    const faulty: Phase = { from: Date.now(), to: 0 };
    await inject();
    // Requests sent from now on reach the SP while it is faulty, until shortly before the clear.
    const injectedAt = Date.now();
    const searches = await searchWhileFaulty(injectedAt, windows.faultMs);
    await sleep(Math.max(0, faulty.from + windows.faultMs - Date.now()));
    await clear();
    faulty.to = Date.now();
    const run = await load;

    const lists = run.records.filter(of('merged list'));
    const listsWhileFaulty = lists.filter(within({ from: injectedAt, to: faulty.to - FAULT_EDGE_MS }));
    const listsRecovered = lists.filter((record) => record.at >= faulty.to + recoveryMs);
    const byId = run.records.filter(of('sp2 by id'));
    const failed = figures(
      fault,
      run,
      `\n        merged list: sent=${lists.length} (while faulty ${listsWhileFaulty.length}, after recovery ${listsRecovered.length})  failed=${lists.filter((r) => !r.ok).length}  ` +
        `X-K2K-Partial: sp1=${lists.filter((r) => r.partial === 'sp1').length}  p99=${p99(lists).toFixed(1)} ms` +
        `\n        sp2 by id: sent=${byId.length}  failed=${byId.filter((r) => !r.ok).length}  p99=${p99(byId).toFixed(1)} ms` +
        `  searches while faulty: ${searches.map((search) => `${search.status} from ${search.serviceProvider ?? 'local'} in ${search.ms.toFixed(0)} ms`).join(', ')}`,
    );
    for (const cloud of ['local', 'sp2']) {
      const theirs = run.records.filter(of(cloud));
      expect(theirs.length, `${cloud} requests sent`).to.be.greaterThan(500);
      expect(theirs.filter((record) => !record.ok), `${cloud}: ${describeFailures(theirs)}`).to.have.length(0);
    }
    const sp1 = run.records.filter(of('sp1'));
    expect(failed.length, 'sp1 requests that failed while its volume service was faulty').to.be.greaterThan(0);
    for (const failure of failed) {
      expect(failure.target, describeFailures(run.records)).to.equal('sp1');
      check(failure);
    }
    // Requests answered before the fault, and sent after it was cleared, all succeed.
    const before = sp1.filter((record) => record.at + record.ms < faulty.from);
    expect(before.length, 'sp1 requests answered before the fault').to.be.greaterThan(50);
    expect(before.filter((record) => !record.ok), `sp1 before the fault: ${describeFailures(before)}`).to.have.length(0);
    const recovered = sp1.filter((record) => record.at >= faulty.to + recoveryMs);
    expect(recovered.length, 'sp1 requests sent after it recovered').to.be.greaterThan(50);
    expect(recovered.filter((record) => !record.ok), `sp1 after recovery: ${describeFailures(recovered)}`).to.have.length(0);

    // The merged list: always 200 with the local and sp2 volumes (the load counts an answer without
    // them as failed, above), sp1's too unless X-K2K-Partial names sp1, and it never names another.
    expect(lists.length, 'merged lists sent').to.be.greaterThan(100);
    expect([...new Set(lists.flatMap((record) => (record.partial ? [record.partial] : [])))], 'clouds named in X-K2K-Partial').to.deep.equal(['sp1']);
    expect(listsWhileFaulty.length, 'merged lists sent while sp1 was faulty').to.be.at.least(5);
    expect(listsWhileFaulty.filter((record) => record.partial !== 'sp1').map(describeList), 'merged lists sent while sp1 was faulty that did not name it partial').to.deep.equal([]);
    expect(listsRecovered.length, 'merged lists sent after sp1 recovered').to.be.greaterThan(20);
    expect(listsRecovered.filter((record) => record.partial !== undefined).map(describeList), 'merged lists sent after sp1 recovered still partial').to.deep.equal([]);
    // An sp2 volume by id alone: its learned location, untouched by sp1's trouble.
    expect(byId.length, 'GETs of the sp2 volume by id alone').to.be.greaterThan(100);
    // New sp2 volumes searched for while sp1 was faulty: each found at sp2 (after a probe of the local cloud).
    for (const search of searches) {
      expect(search.status, search.text).to.equal(200);
      expect(search.serviceProvider, 'the cloud the searched volume came from').to.equal('sp2');
      expect(search.text).to.include(search.volume);
      expect(search.localProbes, 'GETs of the searched volume at the local cloud (the search\'s first probe)').to.be.at.least(1);
      expect(search.answeredAt, 'a search answered after sp1 recovered (the machine was too slow for the test)').to.be.below(faulty.to);
    }
  }

  /** A merged list's record, for an assertion message. */
  function describeList(record: RequestRecord): string {
    return `sent at ${new Date(record.at).toISOString().slice(11, 23)} (${record.ms.toFixed(0)} ms): ${record.status} X-K2K-Partial=${record.partial ?? '-'}`;
  }

  /**
   * SEARCHES_PER_FAULT new sp2 volumes, each asked for by id alone (no routing header, so a search:
   * the local cloud, then sp1 and sp2 at once), spread over the fault's first `faultMs` minus an
   * edge, one after the other.
   */
  async function searchWhileFaulty(from: number, faultMs: number): Promise<Search[]> {
    const { env } = federation;
    const sp2 = federation.cloud('sp2');
    const spacing = (faultMs - FAULT_EDGE_MS) / SEARCHES_PER_FAULT;
    const searches: Search[] = [];
    for (let i = 0; i < SEARCHES_PER_FAULT; i++) {
      await sleep(Math.max(0, from + i * spacing - Date.now()));
      const volume = sp2.volume.seed(sp2.projects.demo.id, { name: `reliability-searched-${i}` }).id;
      const answer = await get(`/volume/v3/${env.idpProjectId}/volumes/${volume}`, { 'x-auth-token': userTokens[0] });
      const localProbes = federation.cloud('idp').volume.requests.filter((request) => request.path.includes(volume)).length;
      searches.push({ volume, ...answer, answeredAt: Date.now(), localProbes });
    }
    return searches;
  }

  /** The gateway's own error: OpenStack's JSON shape with this status. */
  function gatewayError(failure: RequestRecord, ...statuses: number[]): void {
    expect(statuses, `${failure.error ?? ''} ${failure.body ?? ''}`).to.include(failure.status);
    const status = failure.status;
    const body = JSON.parse(failure.body ?? '') as { error?: { code?: unknown; title?: unknown; message?: unknown } };
    expect(body).to.have.all.keys('error');
    expect(body.error).to.have.all.keys('code', 'title', 'message');
    expect(body.error?.code).to.equal(status);
    expect(body.error?.title).to.be.a('string').and.not.equal('');
    expect(body.error?.message).to.be.a('string').and.include('sp1');
  }

  it("one SP's volume service down (connections refused): only its requests fail, 502 in OpenStack's shape; merged lists and searches go on without it", async () => {
    const volume = federation.cloud('sp1').volume;
    await spFault(
      'sp1 volume down',
      { faultMs: 5000, afterMs: 4000 },
      () => volume.down(),
      () => listenAgain(volume),
      (failure) => gatewayError(failure, 502),
      1000,
    );
  });

  it("one SP's volume service slow (beyond the upstream timeout): only its requests fail, 504 (or 502 for a connection cut meanwhile) in OpenStack's shape; merged lists and searches go on without it", async function () {
    // Requests that reach the SP while it is slow wait for the gateway's upstream timeout.
    this.timeout(UPSTREAM_TIMEOUT_MS + 60_000);
    const volume = federation.cloud('sp1').volume;
    await spFault(
      `sp1 volume slow (answers after ${(UPSTREAM_TIMEOUT_MS + 2000) / 1000} s, gateway timeout ${UPSTREAM_TIMEOUT_MS / 1000} s)`,
      { faultMs: 3000, afterMs: UPSTREAM_TIMEOUT_MS + 5000 },
      () => volume.faults.set({ latencyMs: UPSTREAM_TIMEOUT_MS + 2000 }),
      () => volume.faults.clear(),
      (failure) => gatewayError(failure, 504, 502),
      1000,
    );
  });

  it("one SP's volume service answering 500: only its requests fail, the SP's own answer passed through; merged lists and searches go on without it", async () => {
    const volume = federation.cloud('sp1').volume;
    await spFault(
      'sp1 volume answers 500',
      { faultMs: 5000, afterMs: 4000 },
      () => volume.faults.set({ status: 500 }),
      () => volume.faults.clear(),
      (failure) => {
        // What the gateway does today: an SP's HTTP answer, even a 5xx, goes back as it came
        // (Cinder's own error shape), marked with the SP it came from.
        expect(failure.status, `${failure.error ?? ''} ${failure.body ?? ''}`).to.equal(500);
        expect(failure.serviceProvider).to.equal('sp1');
        expect(JSON.parse(failure.body ?? '')).to.deep.equal({ computeFault: { code: 500, message: 'Injected fault.' } });
      },
      500,
    );
  });

  it("the IdP's Keystone down: validated tokens keep working, locally and remotely; a new token gets 503 quickly", async () => {
    const { env } = federation;
    const load = startLoad(16);
    await sleep(3000);
    await federation.idp.down();
    const outage: Phase = { from: Date.now(), to: 0 };
    const fresh: { token: string; headers: Record<string, string>; status: number; ms: number; text: string }[] = [];
    for (const remote of [false, true, false]) {
      await sleep(1500);
      const token = federation.idp.issueToken(env.user, env.idpProject);
      const headers: Record<string, string> = remote ? { 'x-auth-token': token, 'service-provider': 'sp1' } : { 'x-auth-token': token };
      const answer = await get(`/volume/v3/${env.idpProjectId}/volumes`, headers);
      fresh.push({ token, headers, ...answer });
    }
    await sleep(3000);
    await listenAgain(federation.idp);
    outage.to = Date.now();
    const run = await load;

    const failed = figures("IdP Keystone down (new tokens' 503 in ms: " + fresh.map((f) => f.ms.toFixed(0)).join(', ') + ')', run);
    expect(failed, describeFailures(run.records)).to.have.length(0);
    for (const cloud of ['local', 'sp1', 'sp2']) {
      expect(run.records.filter(of(cloud)).filter(within(outage)).length, `${cloud} requests sent while the IdP was down`).to.be.greaterThan(300);
    }
    for (const answer of fresh) {
      expect(answer.status, answer.text).to.equal(503);
      expect(JSON.parse(answer.text)).to.deep.equal({ error: { code: 503, title: 'Service Unavailable', message: 'The Keystone service is temporarily unavailable.' } });
      expect(answer.ms, 'time to the 503').to.be.below(QUICK_503_MS);
    }
    // The 503 was not remembered as a verdict on the token: once the IdP is back, it works.
    for (const answer of fresh) expect((await get(`/volume/v3/${env.idpProjectId}/volumes`, answer.headers)).status).to.equal(200);
  });

  it('a worker killed with SIGKILL: it is replaced, at most its in-flight requests fail, and requests succeed afterwards', async () => {
    const before = gateway!.workerPids().filter(alive);
    expect(before, 'live workers').to.have.length(2);
    const load = startLoad(16);
    await sleep(5000);
    const victim = before[0];
    process.kill(victim, 'SIGKILL');
    const killedAt = Date.now();
    let replacement: number | undefined;
    while (replacement === undefined && Date.now() < killedAt + 15_000) {
      await sleep(100);
      replacement = gateway!.workerPids().find((pid) => !before.includes(pid) && alive(pid));
    }
    const replacedMs = Date.now() - killedAt;
    const run = await load;
    // The load's kept-alive connections all went to the surviving worker when the victim died;
    // new connections are dealt round-robin over the workers, so some reach the replacement.
    const mark = gateway!.lines.length;
    const onNewConnections = await Promise.all(Array.from({ length: 10 }, () => getOnNewConnection(targets[0].path, targets[0].headers)));
    await sleep(200); // the request log line is written as the answer finishes

    const failed = figures(`worker killed (replaced after ${replacement ? (replacedMs / 1000).toFixed(1) : '-'} s)`, run);
    expect(replacement, `a new worker listening; ${lifecycle()}`).to.be.a('number');
    expect(alive(victim), 'the killed worker is gone').to.equal(false);
    const when = failed.map((failure) => `${failure.target} ${failure.error ?? failure.status} sent ${failure.at - killedAt} ms after the kill, ended after ${failure.ms.toFixed(0)} ms`);
    const details = `${describeFailures(run.records)}\n${when.join('\n')}\n${lifecycle()}`;
    // Every failure is a request the victim had in flight (sent before the kill, ended after it),
    // or one sent on its connections before anyone noticed it was gone; none hangs.
    expect(failed.length, details).to.be.at.most(KILLED_WORKER_FAILURES_MAX);
    for (const failure of failed) {
      expect(failure.at, `sent after the kill's first ${IN_FLIGHT_WINDOW_MS} ms:\n${details}`).to.be.below(killedAt + IN_FLIGHT_WINDOW_MS);
      expect(failure.at + failure.ms, `ended before the kill:\n${details}`).to.be.at.least(killedAt - 50);
      expect(failure.at + failure.ms, `ended long after the kill (a hang):\n${details}`).to.be.below(killedAt + 10_000);
    }
    const afterwards = run.records.filter((record) => record.at >= killedAt + 2000);
    expect(afterwards.length, 'requests sent after the kill').to.be.greaterThan(1000);
    expect(afterwards.filter((record) => !record.ok), describeFailures(afterwards)).to.have.length(0);
    expect(onNewConnections, `requests on new connections after the replacement; ${lifecycle()}`).to.deep.equal(Array(10).fill(200));
    expect([...gateway!.answeringPids(mark)], 'workers that answered requests on new connections').to.include(replacement);
  });

  it('leaks no token: none in any gateway log line or error body, and no local token reached an SP', () => {
    const tokens = federation.clouds.flatMap((cloud) => cloud.keystone.issuedTokens());
    const texts = [...gateway!.lines, ...errorBodies];
    expect(tokens.length, 'tokens issued during the run').to.be.greaterThan(USER_TOKENS + 4);
    expect(gateway!.lines.length, 'gateway log lines').to.be.greaterThan(1000);
    expect(errorBodies.length, 'error bodies').to.be.greaterThan(10);
    expect(spRequestsChecked, 'requests received by the SPs').to.be.greaterThan(1000);
    // Every simulated token starts with gAAAAAB, Fernet's prefix; the 24 characters after it are
    // random, so a token, whole or cut short, is found by them.
    const all = texts.join('\n');
    const needles = [...new Set(['gAAAAAB', STORE_SECRET, ...tokens.map((token) => token.slice(7, 31))])];
    const hits = needles.filter((needle) => all.includes(needle)).map((needle) => texts.find((text) => text.includes(needle))?.slice(0, 400));
    console.log(`      figures: secrets check: ${tokens.length} tokens, ${gateway!.lines.length} log lines, ${errorBodies.length} error bodies, ${spRequestsChecked} SP requests`);
    expect(hits, 'log lines or error bodies holding a token or the store secret').to.deep.equal([]);
    expect(leakedToSp, 'requests at an SP carrying a local token').to.deep.equal([]);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
