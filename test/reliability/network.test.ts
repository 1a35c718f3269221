/**
 * The reliability suite, Neutron's part (DESIGN "Compute and network"): the gateway in its own
 * process (2 workers, memcached, `/network` mounted over fake Neutrons at the IdP and two SPs)
 * under a steady load of merged network lists, while sp1's Neutron goes down (connections refused)
 * and comes back. Bounded: a fixed count of requests and a time limit; one line of figures.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, NetworkService, startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { startGateway, volumeGatewayConfig, type GatewayUnderTest } from './support/gateway.js';
import { listenAgain } from './support/listen-again.js';
import { describeFailures, p99, runLoad, type RequestRecord } from './support/load.js';

/** Merged lists per second, per user token */
const RATE = 20;
const BEFORE_MS = 2000;
const DOWN_MS = 3000;
const AFTER_MS = 3000;
/** A list sent this close to sp1 going down or coming back may see it either way (a shared, noisy machine) */
const EDGE_MS = 1000;

describe("reliability: Neutron down at one SP during merged network lists", function () {
  this.timeout(90_000);
  let federation: Federation;
  let memcached: MemcachedServer;
  let neutrons: Map<string, NetworkService>;
  let gateway: GatewayUnderTest;
  let dir: string;

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'k2k-reliability-network-'));
    [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1', 'sp2'] }), startMemcached()]);
    const { env } = federation;
    neutrons = new Map();
    for (const cloud of federation.clouds) neutrons.set(cloud.name, await NetworkService.startIn(cloud.keystone, env.region));
    const base = volumeGatewayConfig(env, [memcached.location], `reliability-network-secret-${process.pid}`);
    gateway = await startGateway(dir, {
      ...base,
      local: { name: 'local', endpoints: { network: (neutrons.get('idp') as NetworkService).publicUrl } },
      mounts: { '/network': 'network' },
      listen: { host: '127.0.0.1', port: await freePort() },
      upstream: { timeout_seconds: 2 },
      drain: { grace_seconds: 0, timeout_seconds: 10 },
    });
  });

  after(async function () {
    this.timeout(60_000);
    await gateway?.stop();
    await Promise.all([...(neutrons?.values() ?? [])].map((neutron) => neutron.stop()));
    await memcached?.kill();
    await federation?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sp1's Neutron down (connections refused): every merged list is 200 with the other clouds' networks, sp1 named in X-K2K-Partial while down and never after", async () => {
    const { env } = federation;
    const networkAt = (cloud: string) => {
      const projectId = cloud === 'idp' ? env.idpProjectId : federation.cloud(cloud).projects.demo.id;
      return (neutrons.get(cloud) as NetworkService).seed('networks', projectId, { name: `reliability-${cloud}` }).id;
    };
    const [local, sp1, sp2] = ['idp', 'sp1', 'sp2'].map(networkAt);
    const tokens = [0, 1].map(() => federation.idp.issueToken(env.user, env.idpProject));
    const targets = tokens.map((token) => ({
      name: 'merged list',
      path: '/network/v2.0/networks?sort_key=name&sort_dir=asc&limit=10',
      headers: { 'x-auth-token': token },
      expect: local,
      expectUnlessPartial: { sp1, sp2 },
    }));
    const seconds = (BEFORE_MS + DOWN_MS + AFTER_MS) / 1000;
    const load = runLoad({ baseUrl: gateway.url, targets, ratePerTarget: RATE, requestsPerTarget: RATE * seconds, maxMs: (seconds + 20) * 1000, connectionsPerTarget: 4, requestTimeoutMs: 15_000 });
    await sleep(BEFORE_MS);
    const sp1Neutron = neutrons.get('sp1') as NetworkService;
    const downAt = Date.now();
    await sp1Neutron.down();
    await sleep(DOWN_MS);
    await listenAgain(sp1Neutron);
    const upAt = Date.now();
    const run = await load;

    const failed = run.records.filter((record) => !record.ok);
    const whileDown = run.records.filter((record) => record.at >= downAt + EDGE_MS && record.at < upAt - EDGE_MS);
    const after = run.records.filter((record) => record.at >= upAt + EDGE_MS);
    const describe = (record: RequestRecord) => `sent ${record.at - downAt} ms after the fault: ${record.status} X-K2K-Partial=${record.partial ?? '-'}`;
    console.log(
      `      figures: fault=sp1 neutron down  merged lists sent=${run.records.length}  failed=${failed.length}  ` +
        `partial while down=${whileDown.filter((r) => r.partial === 'sp1').length}/${whileDown.length}  p99=${p99(run.records).toFixed(1)} ms`,
    );
    expect(failed, describeFailures(run.records)).to.have.length(0);
    expect(whileDown.length, 'lists sent while sp1 was down').to.be.at.least(10);
    expect(whileDown.filter((record) => record.partial !== 'sp1').map(describe)).to.deep.equal([]);
    expect(after.length, 'lists sent after sp1 came back').to.be.at.least(10);
    expect(after.filter((record) => record.partial !== undefined).map(describe)).to.deep.equal([]);
    expect([...new Set(run.records.flatMap((record) => (record.partial ? [record.partial] : [])))]).to.deep.equal(['sp1']);
  });
});
