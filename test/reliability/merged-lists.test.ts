/**
 * The reliability suite, Nova's and Neutron's part (DESIGN "Compute and network"): for each, the
 * gateway in its own process (2 workers, memcached, `/compute` or `/network` mounted over fake
 * services at the IdP and two SPs) under a steady load of merged lists, while sp1's service goes
 * down (connections refused) and comes back. Bounded: a fixed count of requests and a time limit;
 * one line of figures each.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ComputeService, freePort, NetworkService, startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
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

/** One service under the load: how it starts in a cloud, where it is mounted, what is listed. */
interface Listed<S extends ComputeService | NetworkService> {
  name: string;
  start(federation: Federation, cloud: string): Promise<S>;
  mount: string;
  serviceType: string;
  endpoint(service: S): string;
  seed(service: S, projectId: string, name: string): string;
  /** The merged list's path below the mount, for the caller's project */
  list(projectId: string): string;
}

const NOVA: Listed<ComputeService> = {
  name: 'Nova',
  start: (federation, cloud) => ComputeService.startIn(federation.cloud(cloud).keystone, federation.env.region),
  mount: '/compute',
  serviceType: 'compute',
  endpoint: (nova) => `${nova.publicUrl}/v2.1`,
  seed: (nova, projectId, name) => nova.seed(projectId, { name }).id,
  list: (projectId) => `/v2.1/${projectId}/servers/detail?sort_key=display_name&sort_dir=asc&limit=10`,
};

const NEUTRON: Listed<NetworkService> = {
  name: 'Neutron',
  start: (federation, cloud) => NetworkService.startIn(federation.cloud(cloud).keystone, federation.env.region),
  mount: '/network',
  serviceType: 'network',
  endpoint: (neutron) => neutron.publicUrl,
  seed: (neutron, projectId, name) => neutron.seed('networks', projectId, { name }).id,
  list: () => '/v2.0/networks?sort_key=name&sort_dir=asc&limit=10',
};

for (const listed of [NOVA, NEUTRON] as Listed<ComputeService | NetworkService>[]) {
  describe(`reliability: ${listed.name} down at one SP during merged lists`, function () {
    this.timeout(90_000);
    let federation: Federation;
    let memcached: MemcachedServer;
    let services: Map<string, ComputeService | NetworkService>;
    let gateway: GatewayUnderTest;
    let dir: string;

    before(async function () {
      this.timeout(60_000);
      dir = mkdtempSync(join(tmpdir(), `k2k-reliability-${listed.serviceType}-`));
      [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1', 'sp2'] }), startMemcached()]);
      services = new Map();
      for (const cloud of federation.clouds) services.set(cloud.name, await listed.start(federation, cloud.name));
      const base = volumeGatewayConfig(federation.env, [memcached.location], `reliability-${listed.serviceType}-secret-${process.pid}`);
      gateway = await startGateway(dir, {
        ...base,
        local: { name: 'local', endpoints: { [listed.serviceType]: listed.endpoint(services.get('idp') as ComputeService | NetworkService) } },
        mounts: { [listed.mount]: listed.serviceType },
        listen: { host: '127.0.0.1', port: await freePort() },
        upstream: { timeout_seconds: 2 },
        drain: { grace_seconds: 0, timeout_seconds: 10 },
      });
    });

    after(async function () {
      this.timeout(60_000);
      await gateway?.stop();
      await Promise.all([...(services?.values() ?? [])].map((service) => service.stop()));
      await memcached?.kill();
      await federation?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`sp1's ${listed.name} down (connections refused): every merged list is 200 with the other clouds' items, sp1 named in X-K2K-Partial while down and never after`, async () => {
      const { env } = federation;
      const itemAt = (cloud: string) => {
        const projectId = cloud === 'idp' ? env.idpProjectId : federation.cloud(cloud).projects.demo.id;
        return listed.seed(services.get(cloud) as ComputeService | NetworkService, projectId, `reliability-${cloud}`);
      };
      const [local, sp1, sp2] = ['idp', 'sp1', 'sp2'].map(itemAt);
      const tokens = [0, 1].map(() => federation.idp.issueToken(env.user, env.idpProject));
      const targets = tokens.map((token) => ({
        name: 'merged list',
        path: `${listed.mount}${listed.list(env.idpProjectId)}`,
        headers: { 'x-auth-token': token },
        expect: local,
        expectUnlessPartial: { sp1, sp2 },
      }));
      const seconds = (BEFORE_MS + DOWN_MS + AFTER_MS) / 1000;
      const load = runLoad({ baseUrl: gateway.url, targets, ratePerTarget: RATE, requestsPerTarget: RATE * seconds, maxMs: (seconds + 20) * 1000, connectionsPerTarget: 4, requestTimeoutMs: 15_000 });
      await sleep(BEFORE_MS);
      const atSp1 = services.get('sp1') as ComputeService | NetworkService;
      const downAt = Date.now();
      await atSp1.down();
      await sleep(DOWN_MS);
      await listenAgain(atSp1);
      const upAt = Date.now();
      const run = await load;

      const failed = run.records.filter((record) => !record.ok);
      const whileDown = run.records.filter((record) => record.at >= downAt + EDGE_MS && record.at < upAt - EDGE_MS);
      const after = run.records.filter((record) => record.at >= upAt + EDGE_MS);
      const describe = (record: RequestRecord) => `sent ${record.at - downAt} ms after the fault: ${record.status} X-K2K-Partial=${record.partial ?? '-'}`;
      console.log(
        `      figures: fault=sp1 ${listed.serviceType} down  merged lists sent=${run.records.length}  failed=${failed.length}  ` +
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
}
