import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeystoneClient, CatalogAdmin } from '@k2k/keystone';
import { freePort, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import type { GatewayProcess } from '@k2k/gateway';
import { realFederation } from './real-keystone.js';
import {
  catalogCommand,
  deleteRegionAndEndpoints,
  eventually,
  GatewayLog,
  gatewayKeystoneWithAdmin,
  gatewayListening,
  idpCatalogAdmin,
  ok,
  openstackAtSp,
  printedJson,
  realComputeNetwork,
  realServices,
  runCli,
  startLoggedGateway,
  stopLoggedGateway,
  userCloudAuth,
  type LoggedRequest,
  type PrintedImage as Image,
  type PrintedRow as Listed,
  type PrintedVolume as Volume,
  type RealComputeNetwork,
  type RealServices,
} from './stock-cli.js';

/** What `openstack server ... -f json` prints of a server. */
interface Server {
  id: string;
  name: string;
  status: string;
}

/** What the tests make (a port before its network goes: the network's delete would be refused) */
type Kind = 'server' | 'image' | 'network' | 'port' | 'router' | 'volume';

/** `--nic none` needs compute microversion 2.37 or later (the CLI defaults to 2.1). */
const COMPUTE_API = ['--os-compute-api-version', '2.37'];

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/**
 * Real Nova and Neutron (nova-neutron-up.sh) at both clouds through the k2k gateway, driven by the
 * stock `openstack` CLI as the IdP's alice: the gateway (two workers, memcached, virtual regions)
 * mounts `compute` and `network` beside the real Glance and Cinder. The CLI finds the gateway in
 * the IdP's catalog: the `compute` commands of python3-openstackclient 6.0 go through novaclient,
 * which ignores clouds.yaml's `compute_endpoint_override`. Locally, in a region of the test's own
 * whose endpoints are the gateway's mounts (`--os-region-name k2k-gw-...`); at the SP with
 * `--os-region-name sp1`: `k2k-gateway catalog register` puts region sp1 in the IdP's catalog.
 * after() takes both out again. Every step also checks, in the gateway's request log, that the
 * call went through the gateway and to which cloud.
 */
describe('stock openstack CLI through the k2k gateway, on real Nova and Neutron', function () {
  this.timeout(300_000);
  let env: FederationEnv;
  let real: RealServices;
  let nova: RealComputeNetwork;
  let dir: string;
  let configFile: string;
  let memcached: MemcachedServer | undefined;
  let gateway: GatewayProcess | undefined;
  let log: GatewayLog;
  let idp: KeystoneClient | undefined;
  let admin: CatalogAdmin;
  let registered = false;
  let regionMade = false;
  /** The SP's virtual region: named after it */
  let region: string;
  const suffix = randomBytes(3).toString('hex');
  /** What a test made and has not deleted yet, as `openstack <kind> delete` names it through the gateway: removed in after(), newest first */
  const leftovers = new Map<string, Kind>();
  /** The same at the SP: removed there directly */
  const spLeftovers = new Map<string, Kind>();

  let cliEnv: Record<string, string>;
  /** The test's own region: the gateway's unprefixed mounts (the local cloud unless something routes elsewhere) */
  const gatewayRegion = `k2k-gw-${suffix}`;
  /** Through the gateway's unprefixed mounts */
  const openstack = (...args: string[]) => runCli('openstack', ['--os-cloud', 'idp', '--os-region-name', gatewayRegion, ...COMPUTE_API, ...args], cliEnv);
  const openstackJson = <T>(...args: string[]): Promise<T> => printedJson<T>(openstack(...args, '-f', 'json'));
  /** Region sp1, no endpoint override: the catalog says where (the gateway's /sp1/ mounts) */
  const inRegion = (...args: string[]) => runCli('openstack', ['--os-cloud', 'idp', '--os-region-name', region, ...COMPUTE_API, ...args], cliEnv);
  const inRegionJson = <T>(...args: string[]): Promise<T> => printedJson<T>(inRegion(...args, '-f', 'json'));
  /** The SP's real services directly, with the CLI's own K2K: not through the gateway */
  const atSp = (...args: string[]) => openstackAtSp(env, cliEnv, ...COMPUTE_API, ...args);
  const atSpJson = <T>(...args: string[]): Promise<T> => printedJson<T>(atSp(...args, '-f', 'json'));

  const servers = (prefix = '') => `${prefix}/compute/v2.1/servers`;
  const logged = (method: string, path: string, status: number, serviceProvider: string) => (r: LoggedRequest) =>
    r.method === method && r.path === path && r.status === status && r.serviceProvider === serviceProvider;
  /** A sum of one counter of the gateway's /metrics (every worker's) */
  const metric = async (line: RegExp): Promise<number> => {
    const text = await (await fetch(`${gateway!.url}/metrics`)).text();
    return text.split('\n').filter((l) => line.test(l)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  let idpImage: Image;
  let spImage: Image;

  before(async () => {
    const started = Date.now();
    env = realFederation();
    real = realServices();
    nova = realComputeNetwork();
    dir = mkdtempSync(join(tmpdir(), 'k2k-compute-network-'));
    ({ client: idp, admin } = await idpCatalogAdmin(env));
    region = env.spId;
    expect((await admin.listRegions()).map((r) => r.id), `region ${region} already in the IdP's catalog`).to.not.include(region);

    memcached = await startMemcached();
    const port = await freePort();
    const config = {
      ...gatewayListening(port, 2, { publicUrl: true }),
      keystone: gatewayKeystoneWithAdmin(env),
      local: {
        endpoints: {
          [nova.computeServiceType]: nova.idpComputeEndpoint,
          [nova.networkServiceType]: nova.idpNetworkEndpoint,
          [real.imageServiceType]: real.idpImageEndpoint,
          [real.volumeServiceType]: real.idpVolumeEndpoint,
        },
      },
      mounts: { '/compute': nova.computeServiceType, '/network': nova.networkServiceType, '/image': real.imageServiceType, '/volume': real.volumeServiceType },
      virtual_regions: [{ sp: env.spId, name: region }],
      store: { backend: 'memcached', servers: [memcached.location], secret_key: 'compute-network-suite-store-secret' },
      // The real Glance's and Cinder's catalog types are not OpenStack's own: name their resource types.
      routing: { resource_types: { [real.volumeServiceType]: ['volumes', 'snapshots'], [real.imageServiceType]: ['images'] } },
    };
    configFile = join(dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    ({ gateway, log } = await startLoggedGateway(configFile));

    // Region sp1 at the gateway in the IdP's catalog; `openstack server create` also looks the
    // image and volumes up, in the region's `image` and `volumev3` services: the fakes' types
    // here, so endpoints of those types at the gateway's /sp1/image and /sp1/volume too (below
    // /sp1/: `catalog remove` takes them as its own).
    registered = true;
    await catalogCommand('register', configFile);
    const services = await admin.listServices();
    const serviceOf = (type: string) => {
      const found = services.find((s) => s.type === type);
      if (!found) throw new Error(`the IdP's catalog has no ${type} service`);
      return found.id;
    };
    for (const [type, path] of [['image', '/image'], ['volumev3', '/volume/v3/%(project_id)s']]) {
      await admin.createEndpoint({ serviceId: serviceOf(type), regionId: region, interface: 'public', url: `${gateway.url}/${region}${path}` });
    }
    // The test's own region: the gateway's unprefixed mounts, of the types the CLI looks up.
    regionMade = true;
    await admin.createRegion({ id: gatewayRegion, description: 'compute-network.test.ts: the k2k gateway' });
    const own = [[nova.computeServiceType, '/compute/v2.1'], [nova.networkServiceType, '/network'], ['image', '/image'], ['volumev3', '/volume/v3/%(project_id)s']];
    for (const [type, path] of own) {
      await admin.createEndpoint({ serviceId: serviceOf(type), regionId: gatewayRegion, interface: 'public', url: `${gateway.url}${path}` });
    }

    const auth = userCloudAuth(env);
    const clouds = {
      clouds: {
        idp: { auth },
        // (compute: novaclient ignores the override and takes the SP's catalog, the same Nova)
        'sp-direct': {
          auth,
          compute_endpoint_override: nova.spComputeEndpoint,
          network_endpoint_override: nova.spNetworkEndpoint,
          image_endpoint_override: real.spImageEndpoint,
          block_storage_endpoint_override: real.spVolumeEndpoint,
        },
      },
    };
    writeFileSync(join(dir, 'clouds.yaml'), JSON.stringify(clouds, null, 2));
    cliEnv = { HOME: dir, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };

    // A small image at each cloud to boot from (the fake virt driver never reads it).
    const file = join(dir, 'image.raw');
    writeFileSync(file, randomBytes(64 * 1024));
    const image = ['image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', file];
    idpImage = await openstackJson<Image>(...image, `k2k-nova-img-${suffix}`);
    leftovers.set(idpImage.id, 'image');
    spImage = await atSpJson<Image>(...image, `k2k-nova-sp-img-${suffix}`);
    spLeftovers.set(spImage.id, 'image');
    console.log(`      (set-up: gateway, region sp1, an image at each cloud: ${seconds(started)} s)`);
  });

  after(async () => {
    // Best effort, each CLI run bounded: what a failed test left, then the catalog.
    if (gateway) for (const [ref, kind] of [...leftovers].reverse()) await openstack(kind, 'delete', ref);
    for (const [id, kind] of [...spLeftovers].reverse()) await atSp(kind, 'delete', id);
    try {
      if (registered) await catalogCommand('remove', configFile);
      if (regionMade) await deleteRegionAndEndpoints(admin, gatewayRegion);
    } catch (error) {
      console.log(`      (after: ${(error as Error).message})`);
    }
    if (gateway) await stopLoggedGateway(gateway);
    await memcached?.stop();
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('servers', () => {
    let local: Server;
    let viaRegion: Server;
    let direct: Server;

    it('openstack server create --nic none, show and list at the local cloud: the real Nova boots it (ACTIVE)', async () => {
      const started = Date.now();
      const mark = log.mark();
      local = await openstackJson<Server>('server', 'create', '--flavor', nova.flavor, '--image', idpImage.id, '--nic', 'none', '--wait', `k2k-srv-${suffix}`);
      leftovers.set(local.id, 'server');
      expect(local).to.include({ name: `k2k-srv-${suffix}`, status: 'ACTIVE' });
      await log.expect(mark, logged('POST', servers(), 202, 'local'), 'POST of the server, answered by the local Nova');
      const shown = await openstackJson<Server>('server', 'show', local.id);
      expect(shown).to.include({ id: local.id, status: 'ACTIVE' });
      await log.expect(mark, logged('GET', `${servers()}/${local.id}`, 200, 'local'), 'GET of the server');
      console.log(`      (server create --wait and show: ${seconds(started)} s)`);
    });

    it('openstack --os-region-name sp1 server create --nic none, show and list: the SP\'s real Nova boots it', async () => {
      const started = Date.now();
      const mark = log.mark();
      viaRegion = await inRegionJson<Server>('server', 'create', '--flavor', nova.flavor, '--image', spImage.id, '--nic', 'none', '--wait', `k2k-srv-sp-${suffix}`);
      spLeftovers.set(viaRegion.id, 'server');
      expect(viaRegion).to.include({ status: 'ACTIVE' });
      await log.expect(mark, logged('POST', servers(`/${region}`), 202, env.spId), 'POST of the server in region sp1, at the SP');
      const shown = await inRegionJson<Server>('server', 'show', viaRegion.id);
      expect(shown).to.include({ id: viaRegion.id, name: `k2k-srv-sp-${suffix}` });
      const listed = await inRegionJson<Listed[]>('server', 'list');
      expect(listed.map((s) => s.ID)).to.include(viaRegion.id).and.not.include(local.id);
      await log.expect(mark, logged('GET', `${servers(`/${region}`)}/detail`, 200, env.spId), 'server list in region sp1, at the SP');
      // The SP's Nova has it (asked directly, not through the gateway).
      expect(await atSpJson<Server>('server', 'show', viaRegion.id)).to.include({ id: viaRegion.id, status: 'ACTIVE' });
      console.log(`      (server create --wait, show and list in region sp1: ${seconds(started)} s)`);
    });

    it('a server made at the SP directly is found by its id with no header, and learned', async () => {
      const started = Date.now();
      direct = await atSpJson<Server>('server', 'create', '--flavor', nova.flavor, '--image', spImage.id, '--nic', 'none', `k2k-srv-direct-${suffix}`);
      spLeftovers.set(direct.id, 'server');
      const searched = await metric(/^k2k_searches_total\{outcome="remote"\}/);
      const mark = log.mark();
      const shown = await openstackJson<Server>('server', 'show', direct.id);
      expect(shown).to.include({ id: direct.id, name: `k2k-srv-direct-${suffix}` });
      await log.expect(mark, logged('GET', `${servers()}/${direct.id}`, 200, env.spId), 'GET of the server, found at the SP');
      expect(await metric(/^k2k_searches_total\{outcome="remote"\}/)).to.equal(searched + 1);
      // Again: straight to the SP from the learned location (no second search).
      await openstackJson<Server>('server', 'show', direct.id);
      expect(await metric(/^k2k_searches_total\{outcome="remote"\}/)).to.equal(searched + 1);
      console.log(`      (server create at the SP directly, show x2 through the gateway: ${seconds(started)} s)`);
    });

    it('openstack server list with no region lists the servers of both clouds', async () => {
      const mark = log.mark();
      const listed = await openstackJson<Listed[]>('server', 'list');
      expect(listed.map((s) => s.ID)).to.include.members([local.id, viaRegion.id, direct.id]);
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `${servers()}/detail` && r.status === 200, 'the merged server list');
    });

    it("server list pages: newest first as Nova sorts, --limit 2 answered with a next link at the gateway, --marker the rest", async () => {
      const all = (await openstackJson<Listed[]>('server', 'list')).map((s) => s.ID);
      // Nova's default order, created_at descending, across both clouds: made last, listed first.
      const ours = all.filter((id) => [local.id, viaRegion.id, direct.id].includes(id));
      expect(ours).to.deep.equal([direct.id, viaRegion.id, local.id]);
      const mark = log.mark();
      const page = await openstack('--debug', 'server', 'list', '--limit', '2', '-f', 'json');
      if (page.code !== 0) throw new Error(`server list --limit 2 exited with ${page.code}: ${page.stderr.slice(-3000)}`);
      const body = /RESP BODY: (\{"servers":.*)$/m.exec(page.stdout + page.stderr);
      const answered = body ? (JSON.parse(body[1]) as { servers: { id: string }[]; servers_links?: { rel: string; href: string }[] }) : undefined;
      if (!answered) throw new Error(`no server list in the debug output:\n${(page.stdout + page.stderr).slice(-3000)}`);
      expect(answered.servers.map((s) => s.id)).to.deep.equal(all.slice(0, 2));
      const next = answered.servers_links?.find((link) => link.rel === 'next');
      expect(next?.href, 'the next link').to.match(new RegExp(`^${gateway!.url}/compute/v2\\.1/servers/detail\\?`));
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `${servers()}/detail` && r.status === 200, 'the page');
      const rest = (await openstackJson<Listed[]>('server', 'list', '--marker', all[1])).map((s) => s.ID);
      expect(rest).to.deep.equal(all.slice(2));
    });

    it('openstack server delete: local, in region sp1, and the learned one with no header', async () => {
      const started = Date.now();
      const mark = log.mark();
      await ok(openstack('server', 'delete', '--wait', local.id));
      await log.expect(mark, logged('DELETE', `${servers()}/${local.id}`, 204, 'local'), 'DELETE of the local server');
      leftovers.delete(local.id);
      await ok(inRegion('server', 'delete', '--wait', viaRegion.id));
      await log.expect(mark, logged('DELETE', `${servers(`/${region}`)}/${viaRegion.id}`, 204, env.spId), 'DELETE in region sp1');
      spLeftovers.delete(viaRegion.id);
      await ok(openstack('server', 'delete', '--wait', direct.id));
      await log.expect(mark, logged('DELETE', `${servers()}/${direct.id}`, 204, env.spId), 'DELETE of the learned server, at the SP');
      spLeftovers.delete(direct.id);
      await eventually('servers gone at the SP', 60, async () => {
        const there = await atSpJson<Listed[]>('server', 'list');
        return there.some((s) => s.ID === viaRegion.id || s.ID === direct.id) ? undefined : true;
      });
      console.log(`      (three server deletes --wait: ${seconds(started)} s)`);
    });
  });

  describe('networks, subnets and ports', () => {
    /** network, subnet and port create, list and delete by `run`, each call logged at `prefix` and answered by `cloud` */
    const lifecycle = async (run: typeof openstack, prefix: string, cloud: string) => {
      const started = Date.now();
      const at = (path: string) => `${prefix}/network/v2.0/${path}`;
      const json = <T>(...args: string[]) => printedJson<T>(run(...args, '-f', 'json'));
      const made = cloud === 'local' ? leftovers : spLeftovers;
      const tag = cloud === 'local' ? 'local' : 'sp';
      const mark = log.mark();
      const network = await json<{ id: string }>('network', 'create', `k2k-net-${tag}-${suffix}`);
      made.set(network.id, 'network');
      await log.expect(mark, logged('POST', at('networks'), 201, cloud), 'POST of the network');
      const subnet = await json<{ id: string; cidr: string }>('subnet', 'create', '--network', network.id, '--subnet-range', '10.42.0.0/24', `k2k-sub-${tag}-${suffix}`);
      expect(subnet.cidr).to.equal('10.42.0.0/24');
      await log.expect(mark, logged('POST', at('subnets'), 201, cloud), 'POST of the subnet');
      const port = await json<{ id: string; network_id: string }>('port', 'create', '--network', network.id, `k2k-port-${tag}-${suffix}`);
      made.set(port.id, 'port');
      expect(port.network_id).to.equal(network.id);
      await log.expect(mark, logged('POST', at('ports'), 201, cloud), 'POST of the port');

      expect((await json<Listed[]>('network', 'list')).map((n) => n.ID)).to.include(network.id);
      // at the local cloud, the list every cloud's networks merged into (no one cloud answers it)
      await log.expect(mark, (r) => r.method === 'GET' && r.path === at('networks') && r.status === 200, 'network list');
      expect((await json<{ ID: string }[]>('subnet', 'list')).map((n) => n.ID)).to.include(subnet.id);
      expect((await json<{ ID: string }[]>('port', 'list')).map((n) => n.ID)).to.include(port.id);

      await ok(run('port', 'delete', port.id));
      await log.expect(mark, logged('DELETE', at(`ports/${port.id}`), 204, cloud), 'DELETE of the port');
      made.delete(port.id);
      await ok(run('subnet', 'delete', subnet.id));
      await log.expect(mark, logged('DELETE', at(`subnets/${subnet.id}`), 204, cloud), 'DELETE of the subnet');
      await ok(run('network', 'delete', network.id));
      await log.expect(mark, logged('DELETE', at(`networks/${network.id}`), 204, cloud), 'DELETE of the network');
      made.delete(network.id);
      expect((await json<Listed[]>('network', 'list')).map((n) => n.ID)).to.not.include(network.id);
      return seconds(started);
    };

    it('openstack network, subnet and port create / list / delete at the local cloud: the real Neutron, the lists merged with the SP\'s', async () => {
      console.log(`      (network, subnet, port: create, list, delete: ${await lifecycle(openstack, '', 'local')} s)`);
    });

    it('openstack --os-region-name sp1 network, subnet and port create / list / delete: the SP\'s real Neutron', async () => {
      console.log(`      (network, subnet, port in region sp1: create, list, delete: ${await lifecycle(inRegion, `/${region}`, env.spId)} s)`);
    });

    it('a router made at the SP directly: found by its id with no header and learned, renamed and deleted there with no header, listed with the local cloud\'s', async () => {
      const started = Date.now();
      const routers = (id = '') => `/network/v2.0/routers${id && `/${id}`}`;
      const searches = () => metric(/^k2k_searches_total\{outcome="remote"\}/);
      const router = await atSpJson<{ id: string }>('router', 'create', `k2k-router-sp-${suffix}`);
      spLeftovers.set(router.id, 'router');
      const searched = await searches();
      const mark = log.mark();
      expect(await openstackJson<{ id: string; name: string }>('router', 'show', router.id)).to.include({ id: router.id, name: `k2k-router-sp-${suffix}` });
      await log.expect(mark, logged('GET', routers(router.id), 200, env.spId), 'GET of the router, found at the SP');
      expect(await searches()).to.equal(searched + 1);
      await ok(openstack('router', 'set', '--name', `k2k-router-renamed-${suffix}`, router.id));
      await log.expect(mark, logged('PUT', routers(router.id), 200, env.spId), 'PUT of the router, at its learned place');
      expect(await searches(), 'searches after the first').to.equal(searched + 1);
      expect((await atSpJson<{ name: string }>('router', 'show', router.id)).name).to.equal(`k2k-router-renamed-${suffix}`);
      expect((await openstackJson<Listed[]>('router', 'list')).map((r) => r.ID)).to.include(router.id);
      await log.expect(mark, (r) => r.method === 'GET' && r.path === routers() && r.status === 200, 'the merged router list');
      await ok(openstack('router', 'delete', router.id));
      await log.expect(mark, logged('DELETE', routers(router.id), 204, env.spId), 'DELETE of the router, at the SP');
      spLeftovers.delete(router.id);
      expect((await atSpJson<Listed[]>('router', 'list')).map((r) => r.ID)).to.not.include(router.id);
      console.log(`      (router at the SP directly: show, set, list, delete through the gateway: ${seconds(started)} s)`);
    });
  });

  describe('volumes on servers at the SP', () => {
    let bootVolume: Volume;
    let dataVolume: Volume;
    let server: Server;

    before(async () => {
      bootVolume = await inRegionJson<Volume>('volume', 'create', '--size', '1', '--bootable', `k2k-boot-${suffix}`);
      spLeftovers.set(bootVolume.id, 'volume');
      dataVolume = await inRegionJson<Volume>('volume', 'create', '--size', '1', `k2k-data-${suffix}`);
      spLeftovers.set(dataVolume.id, 'volume');
      const available = async (id: string) => (await atSpJson<Volume>('volume', 'show', id)).status === 'available';
      await eventually('both volumes available at the SP', 90, async () => ((await available(bootVolume.id)) && (await available(dataVolume.id)) ? true : undefined));
    });

    it('openstack --os-region-name sp1 server create --volume <an SP volume>: the SP\'s Nova boots from it, in-use at the SP', async () => {
      const started = Date.now();
      const mark = log.mark();
      server = await inRegionJson<Server>('server', 'create', '--flavor', nova.flavor, '--volume', bootVolume.id, '--nic', 'none', '--wait', `k2k-srv-bfv-${suffix}`);
      spLeftovers.set(server.id, 'server');
      expect(server).to.include({ status: 'ACTIVE' });
      await log.expect(mark, logged('POST', servers(`/${region}`), 202, env.spId), 'POST of the server in region sp1, at the SP');
      const there = await atSpJson<Volume & { attachments: { server_id: string }[] }>('volume', 'show', bootVolume.id);
      expect(there.status).to.equal('in-use');
      expect(there.attachments.map((a) => a.server_id)).to.deep.equal([server.id]);
      console.log(`      (server create --volume --wait in region sp1: ${seconds(started)} s)`);
    });

    it('openstack server add volume of an SP volume to that server, with no header: attached at the SP', async () => {
      const started = Date.now();
      const mark = log.mark();
      await ok(openstack('server', 'add', 'volume', server.id, dataVolume.id));
      await log.expect(mark, logged('POST', `${servers()}/${server.id}/os-volume_attachments`, 200, env.spId), 'the attachment, at the SP');
      const there = await eventually('the volume in-use at the SP', 60, async () => {
        const volume = await atSpJson<Volume & { attachments: { server_id: string }[] }>('volume', 'show', dataVolume.id);
        return volume.status === 'in-use' ? volume : undefined;
      });
      expect(there.attachments.map((a) => a.server_id)).to.deep.equal([server.id]);
      console.log(`      (server add volume with no header: ${seconds(started)} s)`);
    });

    it('openstack server delete with no header: the SP\'s Nova detaches both volumes', async () => {
      await ok(openstack('server', 'delete', '--wait', server.id));
      spLeftovers.delete(server.id);
      await eventually('both volumes available again at the SP', 90, async () => {
        const statuses = await Promise.all([bootVolume, dataVolume].map(async (v) => (await atSpJson<Volume>('volume', 'show', v.id)).status));
        return statuses.every((status) => status === 'available') ? true : undefined;
      });
      await ok(inRegion('volume', 'delete', bootVolume.id, dataVolume.id));
      spLeftovers.delete(bootVolume.id);
      spLeftovers.delete(dataVolume.id);
    });
  });
});
