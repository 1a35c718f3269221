/**
 * The scale-out suite (`npm run test:scale`, issue #19): DESIGN.md's "Scale-out" on one machine.
 * Three gateway hosts (packages/gateway, each its own process group with 2 cluster workers), all
 * with the same store secret and a pool of two memcached servers, behind HAProxy (round robin,
 * HTTP checks of each host's /healthz on its admin listener), in front of simulated clouds (an IdP
 * and two SPs, in this process). A steady, bounded load of GETs (the local cloud, sp1, sp2) goes
 * through HAProxy from a worker thread (test/reliability's load generator) during every test; each
 * test prints its figures: requests sent, failed, p99, K2K exchanges (the IdP's saml2.ecp calls).
 *
 * Only counts are asserted, never latencies: the machine is small and shared. The one timing is a
 * precondition measured in seconds: the restarted memcached server is looked at within 4 s of the
 * kill, before the store's 5 s dead-server retry can have run out anywhere.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecureCodec, createStore } from '@k2k/store';
import { freePort, startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { startGateway, volumeGatewayConfig, type GatewayUnderTest } from '../reliability/support/gateway.js';
import { describeFailures, p99, runLoad, type LoadRun, type LoadTarget, type RequestRecord } from '../reliability/support/load.js';
import { ensureHaproxy, haproxyConfig, serverStat, startHaproxy, type HaproxyUnderTest, type ServerStat } from './support/haproxy.js';
import { memcachedHolds, memcachedStats, metricSum } from './support/probes.js';
import { OwnedProcesses, restartMemcached } from '../support/owned-processes.js';

/** Requests per second per target: 3 targets x 25 = 75 req/s through HAProxy. */
const RATE_PER_TARGET = 25;
const CONNECTIONS_PER_TARGET = 6;
const HEALTH_CHECK = { interMs: 500, fall: 2, rise: 2 };
/** Longer than HAProxy's time to mark a draining host down (fall x inter, plus a check in flight) */
const DRAIN_GRACE_SECONDS = 3;
/** @k2k/store's deadServerRetryMs default: a dead memcached server is tried again after this */
const STORE_DEAD_SERVER_RETRY_MS = 5000;
/** The killed memcached server is started again this long after the kill, well within the retry delay */
const RESTART_AFTER_MS = 2000;
/** New callers sent straight to one host, at most, for each of its workers to answer one */
const TRIES_PER_HOST = 8;
/** A SIGKILLed host takes its in-flight requests with it, at most one per load connection. */
const KILLED_HOST_FAILURES_MAX = 3 * CONNECTIONS_PER_TARGET;
const COLD_REQUESTS = 200;
const STORE_SECRET = `scale-store-secret-${process.pid}-${Date.now()}`;
/** The hosts' codec (the same secret and strategy): what the store keys of a token are */
const codec = createSecureCodec(STORE_SECRET, 'ENCRYPT');
const HOSTS = ['a', 'b', 'c'] as const;
type HostName = (typeof HOSTS)[number];

const memcachedPids = new OwnedProcesses(false);

interface Host {
  name: HostName;
  gateway: GatewayUnderTest;
  port: number;
  adminPort: number;
  metricsUrl: string;
}

describe('scale-out: 3 gateway hosts, 2 memcached servers, HAProxy in front', function () {
  this.timeout(60_000);
  let dir: string;
  let federation: Federation;
  const memcached: MemcachedServer[] = [];
  const hosts = {} as Record<HostName, Host>;
  let haproxy: HaproxyUnderTest | undefined;
  let statsSocket: string;
  /** New callers whose connection broke before an answer and were sent again (printed with the figures) */
  let transportRetries = 0;
  let targets: LoadTarget[];
  let currentLoad: Promise<LoadRun> | undefined;
  const suiteStarted = Date.now();

  before(async function () {
    // A fresh machine installs HAProxy first (apt-get): allow for it.
    this.timeout(240_000);
    ensureHaproxy();
    dir = mkdtempSync(join(tmpdir(), 'k2k-scale-'));
    federation = await startFederation({ serviceProviders: ['sp1', 'sp2'] });
    for (let i = 0; i < 2; i++) {
      const server = await startMemcached();
      memcachedPids.add(server.pid);
      memcached.push(server);
    }
    const { env } = federation;
    const ports = await Promise.all(HOSTS.map(async () => ({ port: await freePort(), adminPort: await freePort() })));
    const started = await Promise.all(
      HOSTS.map((name, i) => {
        const hostDir = join(dir, `host-${name}`);
        mkdirSync(hostDir);
        return startGateway(hostDir, {
          ...volumeGatewayConfig(env, memcached.map((server) => server.location), STORE_SECRET),
          listen: { host: '127.0.0.1', port: ports[i].port, keep_alive_timeout_seconds: 65 },
          admin_listen: { host: '127.0.0.1', port: ports[i].adminPort },
          drain: { grace_seconds: DRAIN_GRACE_SECONDS, timeout_seconds: 10 },
          log_level: 'info',
        });
      }),
    );
    HOSTS.forEach((name, i) => {
      hosts[name] = { name, gateway: started[i], ...ports[i], metricsUrl: `http://127.0.0.1:${ports[i].adminPort}/metrics` };
    });
    const port = await freePort();
    const backends = HOSTS.map((name) => ({ name: `gateway-${name}`, port: hosts[name].port, adminPort: hosts[name].adminPort }));
    statsSocket = join(dir, 'haproxy.sock');
    haproxy = await startHaproxy(dir, haproxyConfig(port, backends, HEALTH_CHECK, statsSocket), port);

    // The load: one user token, a volume in each cloud; warmed once (validation, remote tokens).
    const volumeIn = (cloud: string) => federation.cloud(cloud).volume.seed(federation.cloud(cloud).projects.demo.id, { name: `scale-${cloud}` }).id;
    const token = federation.idp.issueToken(env.user, env.idpProject);
    const path = (volume: string) => `/volume/v3/${env.idpProjectId}/volumes/${volume}`;
    const local = volumeIn('idp');
    targets = [
      { name: 'local', path: path(local), headers: { 'x-auth-token': token }, expect: local },
      ...(['sp1', 'sp2'] as const).map((sp) => {
        const id = volumeIn(sp);
        return { name: sp, path: path(id), headers: { 'x-auth-token': token, 'service-provider': sp }, expect: id, serviceProvider: sp };
      }),
    ];
    for (const target of targets) {
      const answer = await fetch(`${haproxy.url}${target.path}`, { headers: target.headers });
      expect(answer.status, `warm-up ${target.name}: ${await answer.text()}`).to.equal(200);
    }
  });

  afterEach(async () => {
    await currentLoad?.catch(() => undefined);
    currentLoad = undefined;
  });

  after(async function () {
    this.timeout(60_000);
    await currentLoad?.catch(() => undefined);
    await haproxy?.stop();
    await Promise.all(Object.values(hosts).map((host) => host.gateway.stop(5000)));
    await Promise.all(memcached.map((server) => server.kill()));
    memcachedPids.clear();
    await federation?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      figures: suite ran ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s`);
  });

  /** K2K exchanges the IdP has done so far (each starts with an ECP assertion). */
  const exchanges = () => federation.idp.calls.count('saml2.ecp');

  /** The load through HAProxy for about `seconds`: a fixed count per target, and a time limit. */
  function startLoad(seconds: number): Promise<LoadRun> {
    return (currentLoad = runLoad({
      baseUrl: haproxy!.url,
      targets,
      ratePerTarget: RATE_PER_TARGET,
      requestsPerTarget: RATE_PER_TARGET * seconds,
      maxMs: (seconds + 15) * 1000,
      connectionsPerTarget: CONNECTIONS_PER_TARGET,
      requestTimeoutMs: 20_000,
    }));
  }

  /** Prints the test's line of figures and returns the failed requests. */
  function figures(test: string, run: LoadRun, extra: string): RequestRecord[] {
    const failed = run.records.filter((record) => !record.ok);
    console.log(
      `      figures: ${test}: sent=${run.records.length}  failed=${failed.length}  p99=${p99(run.records).toFixed(1)} ms  (${((run.ended - run.started) / 1000).toFixed(1)} s)  ${extra}`,
    );
    return failed;
  }

  /** Requests a gateway host logged as answered since its log line `from`. */
  const answeredBy = (host: Host, from: number) => host.gateway.lines.slice(from).filter((line) => line.includes('"msg":"request"')).length;

  /** The worker of `host` that logged the request `requestId` (its line is written as the answer ends: waited for, 3 s at most). */
  async function pidThatAnswered(host: Host, requestId: string): Promise<number | undefined> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const line = host.gateway.lines.find((candidate) => candidate.includes(`"requestId":"${requestId}"`) && candidate.includes('"msg":"request"'));
      if (line) return (JSON.parse(line) as { pid?: number }).pid;
      if (Date.now() > deadline) return undefined;
      await sleep(50);
    }
  }

  /** HAProxy's figures for one gateway host. */
  const haproxyStat = (name: HostName) => serverStat(statsSocket, 'gateways', `gateway-${name}`);

  /** HAProxy's figures for a host at the first look (every 100 ms) that finds it marked down. */
  async function untilDown(name: HostName, timeoutMs: number): Promise<{ stat: ServerStat; at: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stat = await haproxyStat(name);
      if (stat.status.startsWith('DOWN')) return { stat, at: Date.now() };
      if (Date.now() > deadline) throw new Error(`HAProxy did not mark host ${name} down within ${timeoutMs} ms: ${JSON.stringify(stat)}`);
      await sleep(100);
    }
  }

  it('a location and a remote token learned through host A are used by hosts B and C: no probe, no second exchange', async () => {
    const { env } = federation;
    const load = startLoad(8);
    await sleep(1500);
    // A new caller, and a volume at sp1 nobody has asked for yet; no routing header.
    const token = federation.idp.issueToken(env.user, env.idpProject);
    const volume = federation.cloud('sp1').volume.seed(federation.cloud('sp1').projects.demo.id, { name: 'scale-learned' }).id;
    const path = `/volume/v3/${env.idpProjectId}/volumes/${volume}`;
    const received = () =>
      Object.fromEntries(['idp', 'sp1', 'sp2'].map((cloud) => [cloud, federation.cloud(cloud).volume.requests.filter((request) => request.path.includes(volume)).length]));
    const probes = async () => Object.fromEntries(await Promise.all(HOSTS.map(async (name) => [name, await metricSum(hosts[name].metricsUrl, 'k2k_search_probes_total')] as const)));

    const searches = (name: HostName) => metricSum(hosts[name].metricsUrl, 'k2k_searches_total');
    const searchesBefore = await searches(HOSTS[0]);
    const probesBefore = await probes();
    const exchangesBefore = exchanges();
    const steps: { host: HostName; status: number; sp: string | null; received: Record<string, number>; exchanges: number }[] = [];
    for (const name of HOSTS) {
      const answer = await fetch(`http://127.0.0.1:${hosts[name].port}${path}`, { headers: { 'x-auth-token': token } });
      const text = await answer.text();
      expect(answer.status, `through host ${name}: ${text}`).to.equal(200);
      expect(text).to.include(volume);
      // The first host's read is answered by the first claimant; its search learns (and is counted) once every probe is in.
      for (let i = 0; name === HOSTS[0] && i < 100 && (await searches(name)) === searchesBefore; i++) await sleep(20);
      steps.push({ host: name, status: answer.status, sp: answer.headers.get('x-k2k-service-provider'), received: received(), exchanges: exchanges() - exchangesBefore });
    }
    const probesAfter = await probes();
    const run = await load;

    const perHost = (key: HostName) => probesAfter[key] - probesBefore[key];
    const failed = figures(
      'learned through A, used by B and C',
      run,
      `exchanges after A/B/C=${steps.map((s) => s.exchanges).join('/')}  probes at A/B/C=${HOSTS.map(perHost).join('/')}  ` +
        `volume-service GETs of the volume (idp,sp1,sp2) after A/B/C=${steps.map((s) => `${s.received.idp},${s.received.sp1},${s.received.sp2}`).join(' / ')}`,
    );
    expect(failed, describeFailures(run.records)).to.have.length(0);
    expect(steps.map((step) => step.sp), 'the cloud each host answered from').to.deep.equal(['sp1', 'sp1', 'sp1']);
    // A searched: at least one probe, and the volume reached at sp1.
    expect(perHost('a'), 'search probes at host A').to.be.at.least(1);
    expect(steps[0].received.sp1, 'requests for the volume at sp1 after A').to.be.at.least(1);
    expect(steps[0].exchanges, 'exchanges for the new caller through A').to.be.at.least(1);
    // B and C: the learned location, straight to sp1: one real GET each, nothing at the others.
    expect(perHost('b') + perHost('c'), 'search probes at hosts B and C').to.equal(0);
    expect(steps[2].received.sp1 - steps[0].received.sp1, 'GETs of the volume at sp1 through B and C').to.equal(2);
    expect(steps[2].received.idp - steps[0].received.idp, 'GETs of the volume at the local cloud through B and C').to.equal(0);
    expect(steps[2].received.sp2 - steps[0].received.sp2, 'GETs of the volume at sp2 through B and C').to.equal(0);
    // The remote token A obtained is reused: no exchange through B or C.
    expect(steps[2].exchanges, 'exchanges through B and C').to.equal(steps[0].exchanges);
  });

  it(`${COLD_REQUESTS} cold concurrent requests of one new token, spread over the 3 hosts by HAProxy: exactly one K2K exchange`, async () => {
    const { env } = federation;
    const load = startLoad(8);
    await sleep(1500);
    const token = federation.idp.issueToken(env.user, env.idpProject);
    const sp1 = targets.find((target) => target.name === 'sp1')!;
    const marks = HOSTS.map((name) => hosts[name].gateway.lines.length);
    const exchangesBefore = exchanges();
    const metricBefore = (await Promise.all(HOSTS.map((name) => metricSum(hosts[name].metricsUrl, 'k2k_exchanges_total')))).reduce((a, b) => a + b, 0);
    const answers = await Promise.all(
      Array.from({ length: COLD_REQUESTS }, async () => {
        try {
          const response = await fetch(`${haproxy!.url}${sp1.path}`, { headers: { 'x-auth-token': token, 'service-provider': 'sp1' } });
          const text = await response.text();
          return response.status === 200 && text.includes(sp1.expect) ? 'ok' : `${response.status} ${text.slice(0, 200)}`;
        } catch (error) {
          return fetchFailure(error);
        }
      }),
    );
    const coldExchanges = exchanges() - exchangesBefore;
    await sleep(300); // request log lines are written as answers finish
    const spread = HOSTS.map((name, i) => answeredBy(hosts[name], marks[i]));
    const run = await load;
    const metricAfter = (await Promise.all(HOSTS.map((name) => metricSum(hosts[name].metricsUrl, 'k2k_exchanges_total')))).reduce((a, b) => a + b, 0);

    const coldFailed = answers.filter((answer) => answer !== 'ok');
    const failed = figures(
      `${COLD_REQUESTS} cold concurrent requests`,
      run,
      `cold failed=${coldFailed.length}  exchanges (IdP ECP)=${coldExchanges}  exchanges (k2k_exchanges_total, 3 hosts)=${metricAfter - metricBefore}  requests answered by A/B/C (cold + load)=${spread.join('/')}`,
    );
    expect(failed, describeFailures(run.records)).to.have.length(0);
    expect(coldFailed, 'cold requests that failed').to.deep.equal([]);
    expect(coldExchanges, 'K2K exchanges for the new token').to.equal(1);
    expect(metricAfter - metricBefore, 'k2k_exchanges_total summed over the hosts').to.equal(1);
    for (const [i, name] of HOSTS.entries()) expect(spread[i], `requests answered by host ${name}`).to.be.greaterThan(COLD_REQUESTS / 10);
  });

  /**
   * `count` new callers (a new token each), one request each through HAProxy, in turn to the local
   * cloud, sp1 and sp2: every one needs a token validation, and the remote ones a remote token and
   * its lease, in the store, on keys the pool spreads over both servers. Their tokens, and the
   * answers that failed.
   */
  async function newCallers(count: number): Promise<{ tokens: string[]; failed: string[] }> {
    const { env } = federation;
    const tokens = Array.from({ length: count }, () => federation.idp.issueToken(env.user, env.idpProject));
    const answers = await Promise.all(
      tokens.map(async (token, i) => {
        const target = targets[i % targets.length];
        // A GET whose connection broke before any answer is sent again once, as clients do; an HTTP error is never retried.
        for (let attempt = 1; ; attempt++) {
          try {
            const response = await fetch(`${haproxy!.url}${target.path}`, { headers: { ...target.headers, 'x-auth-token': token } });
            const text = await response.text();
            return response.status === 200 && text.includes(target.expect) ? 'ok' : `${target.name} ${response.status} ${text.slice(0, 200)}`;
          } catch (error) {
            transportRetries++;
            if (attempt === 2) return `${target.name} ${fetchFailure(error)}`;
          }
        }
      }),
    );
    return { tokens, failed: answers.filter((answer) => answer !== 'ok') };
  }

  /**
   * The store key of a token's validation, as keystoneAuth caches it (namespace 'auth-token', the
   * token as subject, sealed with the hosts' secret): where a new caller leaves a trace in the pool.
   */
  const validationKey = (token: string) => codec.slot('auth-token', token).key;

  /**
   * `count` new tokens whose validation the pool keeps on `server`: each key placed once by a
   * store client of this process on the same pool (the store's own consistent hashing), looked
   * for on `server`, then removed.
   */
  async function tokensKeptOn(server: MemcachedServer, count: number): Promise<string[]> {
    const { env } = federation;
    const store = createStore({ backend: 'memcached', servers: memcached.map((each) => each.location), secret: STORE_SECRET, securityStrategy: 'ENCRYPT' });
    const kept: string[] = [];
    try {
      // about one token in two hashes to either server of two
      for (let tries = 0; kept.length < count && tries < count * 10; tries++) {
        const token = federation.idp.issueToken(env.user, env.idpProject);
        const key = validationKey(token);
        if (!(await store.set(key, 'placement probe', 60))) throw new Error('the pool refused a write before any fault');
        if (await memcachedHolds(server.port, key)) kept.push(token);
        await store.delete(key);
      }
    } finally {
      await store.close();
    }
    if (kept.length < count) throw new Error(`only ${kept.length} of ${count} tokens hash to ${server.location}`);
    return kept;
  }

  /**
   * A store client (each gateway worker has its own) learns that a memcached server is gone only
   * from an operation on it. New callers whose validation is kept on the dead server, straight to
   * each host on a new connection each (a host's cluster deals connections to its workers in
   * turn), until every worker of every host answered one: then every worker has met the dead
   * server and skips it for the store's retry delay. `tokens` are used in order.
   */
  async function callEveryWorker(tokens: string[], path: string): Promise<{ used: string[]; failed: string[]; reached: number; workers: number }> {
    const queue = [...tokens];
    const used: string[] = [];
    const failed: string[] = [];
    let reached = 0;
    let workers = 0;
    await Promise.all(
      HOSTS.map(async (name) => {
        const host = hosts[name];
        const pids = new Set(host.gateway.workerPids());
        workers += pids.size;
        const answered = new Set<number>();
        for (let tries = 0; answered.size < pids.size && tries < TRIES_PER_HOST; tries++) {
          const token = queue.shift();
          if (token === undefined) break;
          used.push(token);
          const answer = await getOnNewConnection(`http://127.0.0.1:${host.port}${path}`, { 'x-auth-token': token });
          if (answer.status !== 200) failed.push(`host ${name}: ${answer.status} ${answer.text.slice(0, 200)}`);
          const pid = answer.requestId ? await pidThatAnswered(host, answer.requestId) : undefined;
          if (pid !== undefined && pids.has(pid)) answered.add(pid);
        }
        reached += answered.size;
      }),
    );
    return { used, failed, reached, workers };
  }

  it('one memcached server killed under load: no request fails and its keys go to the survivor; restarted on its port, it is left alone until the dead-server retry, then used again', async function () {
    this.timeout(90_000);
    const NEW_CALLERS = 12;
    const [survivor, victim] = memcached;
    const keptOnVictim = await tokensKeptOn(victim, TRIES_PER_HOST * HOSTS.length);
    const load = startLoad(20);
    await sleep(3000);
    const victimBefore = await memcachedStats(victim.port);
    const survivorBefore = await memcachedStats(survivor.port);
    const e0 = exchanges();
    // Every worker's dead mark (and so its retry delay) starts at its first failure, after this.
    const killedAt = Date.now();
    await victim.kill();
    memcachedPids.delete(victim.pid);
    const everyWorker = await callEveryWorker(keptOnVictim, targets[0].path);
    // New callers through HAProxy meanwhile: their keys that hash to the dead server go to the survivor.
    const whileDown = await newCallers(NEW_CALLERS);
    const survivorDown = await memcachedStats(survivor.port);
    const tokensWhileDown = [...everyWorker.used, ...whileDown.tokens];
    const heldBySurvivor = await Promise.all(tokensWhileDown.map((token) => memcachedHolds(survivor.port, validationKey(token))));
    const e1 = exchanges();
    await sleep(Math.max(0, killedAt + RESTART_AFTER_MS - Date.now()));
    const restarted = await restartMemcached(victim.port, memcachedPids);
    memcached[1] = restarted;
    const restartedAt = Date.now();
    // New callers at once: about half their keys hash to the restarted server, yet every worker
    // still skips it (its retry delay runs from its first failure, after the kill): they go to the
    // survivor, and nothing reaches the restarted server.
    const backEarly = await newCallers(NEW_CALLERS);
    const statsBack = await memcachedStats(restarted.port);
    const statsBackAt = Date.now();
    const heldBySurvivorBackEarly = await Promise.all(backEarly.tokens.map((token) => memcachedHolds(survivor.port, validationKey(token))));
    // Every worker's last failure was before the restart: its retry delay is over by then.
    await sleep(STORE_DEAD_SERVER_RETRY_MS + 1500);
    const afterRetry = await newCallers(NEW_CALLERS);
    const stats = await memcachedStats(restarted.port);
    const e2 = exchanges();
    const run = await load;
    const e3 = exchanges();

    const sentWhileDown = run.records.filter((r) => r.at >= killedAt && r.at < restartedAt).length;
    const failed = figures(
      'memcached server killed and restarted',
      run,
      `failed before/down/after=${run.records.filter((r) => !r.ok && r.at < killedAt).length}/${run.records.filter((r) => !r.ok && r.at >= killedAt && r.at < restartedAt).length}/${run.records.filter((r) => !r.ok && r.at >= restartedAt).length}  ` +
        `sent while down=${sentWhileDown} (${((restartedAt - killedAt) / 1000).toFixed(1)} s)  workers that met the dead server=${everyWorker.reached} of ${everyWorker.workers}  ` +
        `new callers failed down/back-early/after-retry=${everyWorker.failed.length + whileDown.failed.length}/${backEarly.failed.length}/${afterRetry.failed.length} of ${tokensWhileDown.length}/${NEW_CALLERS}/${NEW_CALLERS} (connections broken and retried: ${transportRetries})  ` +
        `exchanges down/after-restart/rest=${e1 - e0}/${e2 - e1}/${e3 - e2}  ` +
        `victim before the kill: cmd_get=${victimBefore.cmd_get} cmd_set=${victimBefore.cmd_set}; survivor while down: cmd_set +${survivorDown.cmd_set - survivorBefore.cmd_set}, ` +
        `validations of new callers held ${heldBySurvivor.filter(Boolean).length} of ${tokensWhileDown.length} (${everyWorker.used.length} of them hashing to the victim); ` +
        `restarted: with new callers, ${((statsBackAt - killedAt) / 1000).toFixed(1)} s after the kill cmd_get=${statsBack.cmd_get} cmd_set=${statsBack.cmd_set} (their validations held by the survivor ${heldBySurvivorBackEarly.filter(Boolean).length} of ${NEW_CALLERS}), ` +
        `after the retry delay and new callers cmd_get=${stats.cmd_get} cmd_set=${stats.cmd_set} curr_items=${stats.curr_items}`,
    );
    expect(failed, describeFailures(run.records)).to.have.length(0);
    expect([...everyWorker.failed, ...whileDown.failed], 'new callers while the server was down').to.deep.equal([]);
    expect(backEarly.failed, 'new callers right after the restart').to.deep.equal([]);
    expect(afterRetry.failed, 'new callers after the retry delay').to.deep.equal([]);
    expect(sentWhileDown, 'requests sent while the server was down').to.be.greaterThan(50);
    // While it is down, new keys go to the survivor, those that hash to the victim included.
    expect(everyWorker.reached, 'gateway workers that met the dead server').to.equal(everyWorker.workers);
    expect(survivorDown.cmd_set - survivorBefore.cmd_set, 'sets at the survivor while the victim was down (at least the validation of each new caller)').to.be.at.least(tokensWhileDown.length);
    expect(heldBySurvivor.filter((held) => !held).length, 'validations of new callers while the victim was down that the survivor does not hold').to.equal(0);
    // Back: left alone until the retry delay of every worker has run out, then used again.
    expect(statsBackAt - killedAt, 'restart and first look at it, from the kill (ms): too slow for the retry delay to hold').to.be.below(STORE_DEAD_SERVER_RETRY_MS - 1000);
    expect({ cmd_get: statsBack.cmd_get, cmd_set: statsBack.cmd_set }, 'commands at the restarted server before the retry delay').to.deep.equal({ cmd_get: 0, cmd_set: 0 });
    expect(heldBySurvivorBackEarly.filter((held) => !held).length, 'validations of new callers right after the restart that the survivor does not hold').to.equal(0);
    expect(stats.cmd_set, 'sets at the restarted server after the retry delay').to.be.greaterThan(0);
    expect(stats.curr_items, 'items at the restarted server').to.be.greaterThan(0);
  });

  it('one host stopped gracefully (SIGTERM, drain grace > HAProxy fall time): HAProxy takes it out on its 503 and sends it nothing more, no request fails; one host SIGKILLed: only its in-flight requests fail', async function () {
    this.timeout(90_000);
    // sp1's volume service slow (150 ms an answer): requests in flight at every moment, some on the killed host
    const slow = federation.cloud('sp1').volume;
    slow.faults.set({ latencyMs: 150 });
    const load = startLoad(16);
    await sleep(3000);
    const e0 = exchanges();
    const cAtTerm = await haproxyStat('c');
    const termAt = Date.now();
    const cStopped = hosts.c.gateway.stop(15_000);
    const cMarkedDown = await untilDown('c', 15_000);
    await cStopped;
    const cStoppedMs = Date.now() - termAt;
    await sleep(2000);
    const cAtEnd = await haproxyStat('c');
    const e1 = exchanges();
    const killedAt = Date.now();
    process.kill(-hosts.b.gateway.pid, 'SIGKILL');
    let run: LoadRun;
    try {
      run = await load;
    } finally {
      slow.faults.clear();
    }
    const e2 = exchanges();

    const graceful = run.records.filter((r) => r.at < killedAt);
    const afterKill = run.records.filter((r) => r.at >= killedAt);
    const failedGraceful = graceful.filter((r) => !r.ok);
    const failedKill = afterKill.filter((r) => !r.ok);
    // a request in flight at the kill was sent before it (its record's time is when it was sent)
    const inFlight = run.records.filter((r) => r.at < killedAt && r.at + r.ms >= killedAt - 50);
    const inFlightFailed = inFlight.filter((r) => !r.ok);
    const failed = figures(
      'host C stopped (SIGTERM), then host B killed (SIGKILL)',
      run,
      `C marked down by HAProxy after ${((cMarkedDown.at - termAt) / 1000).toFixed(1)} s (check ${cMarkedDown.stat.check_status} ${cMarkedDown.stat.check_code}), gone after ${(cStoppedMs / 1000).toFixed(1)} s  ` +
        `requests HAProxy sent C: before the SIGTERM ${cAtTerm.stot}, then until marked down ${Number(cMarkedDown.stat.stot) - Number(cAtTerm.stot)}, after ${Number(cAtEnd.stot) - Number(cMarkedDown.stat.stot)}  ` +
        `failed during the drain=${failedGraceful.length - inFlightFailed.length}  in flight at the kill (all hosts)=${inFlight.length}, of them failed=${inFlightFailed.length}  failed sent after the kill=${failedKill.length}  ` +
        `exchanges drain/kill=${e1 - e0}/${e2 - e1}`,
    );
    const when = failed.map((f) => `${f.target} ${f.error ?? f.status} sent ${f.at - killedAt} ms after the kill, ended after ${f.ms.toFixed(0)} ms`).join('\n');
    const details = `${describeFailures(run.records)}\n${when}`;
    expect(graceful.filter((r) => r.at < termAt).length, 'requests sent before the SIGTERM').to.be.greaterThan(100);
    expect(graceful.filter((r) => r.at >= termAt).length, 'requests sent during the drain').to.be.greaterThan(100);
    expect(afterKill.length, 'requests sent after the kill').to.be.greaterThan(100);
    // Drain: HAProxy took C out on its health check's 503 (so while C still served, within its grace),
    // C still answered what came meanwhile, and from then on HAProxy sent it nothing.
    expect([cMarkedDown.stat.check_status, cMarkedDown.stat.check_code], "HAProxy's last check of C when it marked C down").to.deep.equal(['L7STS', '503']);
    expect(Number(cMarkedDown.stat.stot) - Number(cAtTerm.stot), 'requests HAProxy sent C between the SIGTERM and marking it down').to.be.greaterThan(0);
    expect(Number(cAtEnd.stot) - Number(cMarkedDown.stat.stot), 'requests HAProxy sent C after marking it down').to.equal(0);
    // Graceful: nothing failed but what the kill took (requests still in flight at it).
    expect(failedGraceful.length - inFlightFailed.length, `failures before the kill not in flight at it:\n${details}`).to.equal(0);
    expect(failed.length, details).to.be.at.most(KILLED_HOST_FAILURES_MAX);
    // Requests sent after the kill went to a live host (HAProxy retries a refused connection on another).
    expect(failedKill, `failed requests sent after the kill:\n${details}`).to.have.length(0);
  });
});


/** One GET on a connection of its own (no keep-alive): status, body and the gateway's request id; status 0 for a connection error. */
function getOnNewConnection(url: string, headers: Record<string, string>): Promise<{ status: number; text: string; requestId?: string }> {
  return new Promise((resolve) => {
    const req = httpGet(url, { headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => {
        const requestId = res.headers['x-openstack-request-id'];
        resolve({ status: res.statusCode ?? 0, text, requestId: Array.isArray(requestId) ? requestId[0] : requestId });
      });
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, text: error.code ?? error.message }));
  });
}

/** A failed fetch's error with its cause (undici's "fetch failed" says nothing more). */
function fetchFailure(error: unknown): string {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  return cause ? `${String(error)}: ${cause.code ?? ''} ${cause.message}` : String(error);
}
