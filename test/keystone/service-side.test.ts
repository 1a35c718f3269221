import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeystoneClient, CatalogAdmin } from '@k2k/keystone';
import { freePort, KeystoneAdmin, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import type { GatewayProcess } from '@k2k/gateway';
import { IdpNova } from './idp-nova.js';
import { realFederation } from './real-keystone.js';
import { RecordingRelay, type RelayedRequest } from './recording-relay.js';
import {
  deleteRegionAndEndpoints,
  eventually,
  gatewayKeystone,
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
  type GatewayLog,
  type LoggedRequest,
  type PrintedImage as Image,
  type PrintedVolume,
} from './stock-cli.js';

/** `--nic none` needs compute microversion 2.37 or later (the CLI defaults to 2.1). */
const COMPUTE_API = ['--os-compute-api-version', '2.37'];
/**
 * The SP catalog's types for its Nova, Cinder, Glance and Neutron behind recording relays (this
 * file's own; removed afterwards), per the API they serve. `openstack server create` wants a
 * network endpoint even with `--nic none`.
 */
const RECORDED = { compute: 'k2k-svcside-compute', 'block-storage': 'k2k-svcside-volume', image: 'k2k-svcside-image', network: 'k2k-svcside-network' } as const;

interface Server {
  id: string;
  name: string;
  status: string;
  image?: string | { id: string };
}
type Volume = PrintedVolume & { attachments: { server_id: string }[] };

/** What a cloud's Keystone says of a token that passed a relay. */
interface TokenCheck {
  /** 200 for a token that cloud issued; 404 for any other (at the SP: an IdP token, Nova's service token) */
  status: number;
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/**
 * Service-side federation on the real services (DESIGN "Compute and network"): the IdP cloud's real
 * Nova reaches Glance, Cinder and Neutron through the k2k gateway (its nova.conf `[glance]
 * endpoint_override`, `[cinder] endpoint_template` and `[neutron] endpoint_override`, idp-nova.ts,
 * restored afterwards), sending the user's token and its own service token. Two gateways on one
 * memcached (what one learns the other knows): A as deployed without shared storage, B with
 * `routing.shared_storage: [[default, sp1]]`, the one Nova uses, through a recording relay that
 * shows what Nova sent it. Each has a region of the test's own in the IdP's catalog, so the stock
 * `openstack` CLI (novaclient ignores endpoint overrides) goes through it. The SP's catalog lists
 * its Nova, Cinder, Glance and Neutron under types of this file's own, behind recording relays:
 * every request the gateways sent sp1 is seen, its token checked with the SP's Keystone as it passes.
 */
describe("service-side federation: the IdP's real Nova reaches Glance, Cinder and Neutron through the k2k gateway", function () {
  this.timeout(300_000);
  let env: FederationEnv;
  let dir: string;
  let memcached: MemcachedServer | undefined;
  const gateways: GatewayProcess[] = [];
  let logA: GatewayLog;
  let logB: GatewayLog;
  let idp: KeystoneClient | undefined;
  let admin: CatalogAdmin;
  let idpAdmin: KeystoneAdmin;
  let spAdmin: KeystoneAdmin | undefined;
  const relays: RecordingRelay<TokenCheck>[] = [];
  /** Between the IdP's Nova and gateway B: what Nova sent the gateway (its token checked with the IdP's Keystone) */
  let novaRelay: RecordingRelay<TokenCheck> | undefined;
  let nova: IdpNova | undefined;
  const suffix = randomBytes(3).toString('hex');
  const regions = { a: `k2k-svc-a-${suffix}`, b: `k2k-svc-b-${suffix}` };
  const madeRegions: string[] = [];
  /** What the tests made and have not deleted: local servers (the IdP's Nova directly), and things at the SP (removed there directly), newest last */
  const localServers = new Set<string>();
  const spLeftovers: [string, 'server' | 'volume' | 'image'][] = [];

  let cliEnv: Record<string, string>;
  let flavor: string;
  const cli = (cloud: string, region: string) => (...args: string[]) => runCli('openstack', ['--os-cloud', cloud, '--os-region-name', region, ...COMPUTE_API, ...args], cliEnv);
  const json = <T>(run: (...args: string[]) => ReturnType<typeof runCli>, ...args: string[]) => printedJson<T>(run(...args, '-f', 'json'));
  /** Through gateway A (no shared storage) / B (shared storage, Nova's), the CLI's every call */
  const viaA = (...args: string[]) => cli('idp', regions.a)(...args);
  const viaB = (...args: string[]) => cli('idp', regions.b)(...args);
  /** The IdP's real Nova directly (the catalog's own region), images and volumes looked up through gateway A */
  const localNova = (...args: string[]) => cli('idp-local', env.region)(...args);
  const atSp = (...args: string[]) => openstackAtSp(env, cliEnv, ...COMPUTE_API, ...args);
  const logged = (method: string, path: RegExp | string, status: number, serviceProvider: string) => (r: LoggedRequest) =>
    r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)) && r.status === status && r.serviceProvider === serviceProvider;
  /** A request Nova sent gateway B, as a line: its status, whether the IdP's Keystone issued its token, whether it carried a service token */
  const fromNova = (r: RelayedRequest<TokenCheck>) =>
    `${r.method} ${r.status}: ${r.tokenCheck?.status === 200 ? 'an IdP token' : r.tokenCheck ? `a token the IdP answers ${r.tokenCheck.status} for` : 'no token'}${r.headerNames.includes('x-service-token') ? ', X-Service-Token' : ''}`;
  const imageRelay = () => relays[Object.keys(RECORDED).indexOf('image')];
  const volumeAtSp = (id: string) => json<Volume>(atSp, 'volume', 'show', id);

  let spImage: Image;
  let spBoot: Volume;
  let spData: Volume;
  let server: Server;
  /** A flavor of this file's own with the same id at both clouds (made there directly, deleted afterwards) */
  const sharedFlavor = randomUUID();
  const flavorsMade: { nova: string; token: string }[] = [];

  before(async () => {
    const started = Date.now();
    env = realFederation();
    const real = realServices();
    const computeNetwork = realComputeNetwork();
    flavor = computeNetwork.flavor;
    dir = mkdtempSync(join(tmpdir(), 'k2k-service-side-'));
    ({ client: idp, admin } = await idpCatalogAdmin(env));
    idpAdmin = await KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin');
    spAdmin = await KeystoneAdmin.login(env.spAuthUrl, env.adminUser, env.adminPassword, 'admin');
    const checkAt = (authUrl: string, admin: KeystoneAdmin) => async (token: string): Promise<TokenCheck> => {
      const response = await fetch(`${authUrl}/auth/tokens`, { headers: { 'x-auth-token': admin.token, 'x-subject-token': token } });
      return { status: response.status };
    };
    const checkAtSp = checkAt(env.spAuthUrl, spAdmin);
    const spTargets = { compute: computeNetwork.spComputeEndpoint, 'block-storage': real.spVolumeEndpoint, image: real.spImageEndpoint, network: computeNetwork.spNetworkEndpoint };
    for (const [api, type] of Object.entries(RECORDED)) {
      const relay = await RecordingRelay.start(spTargets[api as keyof typeof RECORDED], checkAtSp);
      relays.push(relay);
      await spAdmin.createService(type, `${api}-behind-a-recording-relay`);
      for (const endpointInterface of ['public', 'internal']) await spAdmin.createEndpoint(type, env.region, endpointInterface, relay.url);
    }

    memcached = await startMemcached();
    const gatewayConfig = async (name: string, routing: Record<string, unknown>) => {
      const port = await freePort();
      const config = {
        ...gatewayListening(port, 1),
        keystone: gatewayKeystone(env),
        local: {
          endpoints: {
            [RECORDED.compute]: computeNetwork.idpComputeEndpoint,
            [RECORDED['block-storage']]: real.idpVolumeEndpoint,
            [RECORDED.image]: real.idpImageEndpoint,
            [RECORDED.network]: computeNetwork.idpNetworkEndpoint,
          },
        },
        mounts: { '/compute': RECORDED.compute, '/volume': RECORDED['block-storage'], '/image': RECORDED.image, '/network': RECORDED.network },
        service_apis: Object.fromEntries(Object.entries(RECORDED).map(([api, type]) => [type, api])),
        store: { backend: 'memcached', servers: [memcached!.location], secret_key: 'service-side-suite-store-secret' },
        routing,
      };
      const file = join(dir, `gateway-${name}.json`);
      writeFileSync(file, JSON.stringify(config, null, 2));
      const started = await startLoggedGateway(file);
      gateways.push(started.gateway);
      return started;
    };
    const a = await gatewayConfig('a', {});
    const b = await gatewayConfig('b', { shared_storage: [['default', env.spId]] });
    [logA, logB] = [a.log, b.log];

    const services = await admin.listServices();
    const serviceOf = (type: string) => services.find((s) => s.type === type)?.id ?? '';
    for (const [region, gateway] of [[regions.a, a.gateway], [regions.b, b.gateway]] as const) {
      madeRegions.push(region);
      await admin.createRegion({ id: region, description: 'service-side.test.ts: a k2k gateway' });
      for (const [type, path] of [['compute', '/compute/v2.1'], ['image', '/image'], ['volumev3', '/volume/v3/%(project_id)s'], ['network', '/network']]) {
        await admin.createEndpoint({ serviceId: serviceOf(type), regionId: region, interface: 'public', url: `${gateway.url}${path}` });
      }
    }
    const auth = userCloudAuth(env);
    const clouds = {
      clouds: {
        idp: { auth },
        'idp-local': { auth, image_endpoint_override: `${a.gateway.url}/image`, block_storage_endpoint_override: `${a.gateway.url}/volume/v3/%(project_id)s` },
        'sp-direct': { auth, image_endpoint_override: real.spImageEndpoint, block_storage_endpoint_override: real.spVolumeEndpoint },
      },
    };
    writeFileSync(join(dir, 'clouds.yaml'), JSON.stringify(clouds, null, 2));
    cliEnv = { HOME: dir, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };

    // The IdP's Nova reaches Glance, Cinder and Neutron through gateway B, with the user's token and its service token.
    novaRelay = await RecordingRelay.start(b.gateway.url, checkAt(env.idpAuthUrl, idpAdmin));
    nova = new IdpNova(computeNetwork.idpComputeEndpoint, async () => idpAdmin.token);
    await nova.pointAt({ glance: `${novaRelay.url}/image`, cinder: `${novaRelay.url}/volume/v3/%(project_id)s`, neutron: `${novaRelay.url}/network` });
    console.log(`      (IdP nova-api and nova-compute restarted on gateway B: ${seconds(started)} s since set-up began)`);

    // A server create that follows its volume to sp1 carries the flavor id the CLI found at the
    // local Nova: flavors with the same id at both clouds (as an operator must keep them).
    for (const [endpoint, admin] of [[computeNetwork.idpComputeEndpoint, idpAdmin], [computeNetwork.spComputeEndpoint, spAdmin]] as const) {
      const flavorBody = { flavor: { id: sharedFlavor, name: `k2k-svc-${suffix}`, ram: 64, vcpus: 1, disk: 1 } };
      const response = await fetch(`${endpoint}/flavors`, { method: 'POST', headers: { 'x-auth-token': admin.token, 'content-type': 'application/json' }, body: JSON.stringify(flavorBody) });
      if (response.status !== 200) throw new Error(`flavor create at ${endpoint}: ${response.status} ${await response.text()}`);
      flavorsMade.push({ nova: endpoint, token: admin.token });
    }

    // At the SP only, made there directly: an image, a bootable volume, a data volume.
    const file = join(dir, 'image.raw');
    writeFileSync(file, randomBytes(64 * 1024));
    spImage = await json<Image>(atSp, 'image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', file, `k2k-svc-img-${suffix}`);
    spLeftovers.push([spImage.id, 'image']);
    spBoot = await json<Volume>(atSp, 'volume', 'create', '--size', '1', '--bootable', `k2k-svc-boot-${suffix}`);
    spLeftovers.push([spBoot.id, 'volume']);
    spData = await json<Volume>(atSp, 'volume', 'create', '--size', '1', `k2k-svc-data-${suffix}`);
    spLeftovers.push([spData.id, 'volume']);
    const available = async (id: string) => (await volumeAtSp(id)).status === 'available';
    await eventually('both volumes available at the SP', 90, async () => ((await available(spBoot.id)) && (await available(spData.id)) ? true : undefined));
    console.log(`      (set-up: relays, two gateways, regions, Nova restarted, an image and two volumes at the SP: ${seconds(started)} s)`);
  });

  after(async () => {
    // Best effort, each CLI run bounded: servers first (Nova detaches through the gateway), then Nova's own configuration.
    for (const id of localServers) await localNova('server', 'delete', '--wait', id);
    for (const [id, kind] of spLeftovers.reverse()) await atSp(kind, 'delete', ...(kind === 'server' ? ['--wait'] : []), id);
    for (const { nova: endpoint, token } of flavorsMade) await fetch(`${endpoint}/flavors/${sharedFlavor}`, { method: 'DELETE', headers: { 'x-auth-token': token } });
    try {
      await nova?.restore();
      for (const region of madeRegions) await deleteRegionAndEndpoints(admin, region);
    } catch (error) {
      console.log(`      (after: ${(error as Error).message})`);
    }
    for (const gateway of gateways) await stopLoggedGateway(gateway);
    for (const relay of [...relays, novaRelay]) await relay?.stop();
    await spAdmin?.undo();
    await memcached?.stop();
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the local Nova boots a server from an image held only at sp1: nova-api finds it through the gateway', async () => {
    const started = Date.now();
    const [markB, markRelay] = [logB.mark(), imageRelay().requests.length];
    server = await json<Server>(localNova, 'server', 'create', '--flavor', flavor, '--image', spImage.id, '--nic', 'none', '--wait', `k2k-svc-srv-${suffix}`);
    localServers.add(server.id);
    expect(server.status).to.equal('ACTIVE');
    // The CLI looked the image up through gateway A: what gateway B logged is Nova's own call.
    await logB.expect(markB, logged('GET', `/image/v2/images/${spImage.id}`, 200, env.spId), "nova-api's GET of the image, answered by sp1");
    const atRelay = imageRelay().requests.slice(markRelay).filter((r) => r.method === 'GET' && r.path === `/v2/images/${spImage.id}`);
    expect(atRelay.map((r) => r.status), "the image's GETs that reached sp1's Glance").to.include(200);
    expect(novaRelay!.requests.filter((r) => r.path === `/image/v2/images/${spImage.id}`).map(fromNova), "Nova's GETs of the image").to.include('GET 200: an IdP token, X-Service-Token');
    const shown = await json<Server>(localNova, 'server', 'show', server.id);
    expect(JSON.stringify(shown.image)).to.include(spImage.id);
    console.log(`      (server create --wait at the local Nova from sp1's image: ${seconds(started)} s)`);
  });

  it('server add volume of an sp1 volume to the local server, through a gateway without shared storage: 409 naming both clouds, nothing sent', async () => {
    const mark = logA.mark();
    const refused = await viaA('server', 'add', 'volume', server.id, spData.id);
    expect(refused.code, refused.stderr).to.not.equal(0);
    const said = refused.stderr.slice(-2000);
    expect(said, said).to.include('409');
    expect(said, said).to.include(`server ${server.id} at default (the local cloud)`);
    expect(said, said).to.include(`volume ${spData.id} (volumeAttachment.volumeId) at service provider ${env.spId}`);
    await logA.expect(mark, (r) => r.method === 'POST' && r.path === `/compute/v2.1/servers/${server.id}/os-volume_attachments` && r.status === 409, 'the refused attachment');
    expect((await volumeAtSp(spData.id)).status).to.equal('available');
  });

  it("with the pair declared as sharing storage: the local Nova attaches the sp1 volume, its calls to Cinder going through the gateway to sp1; attached there, then detached", async () => {
    const started = Date.now();
    const mark = logB.mark();
    await ok(viaB('server', 'add', 'volume', server.id, spData.id));
    await logB.expect(mark, logged('POST', `/compute/v2.1/servers/${server.id}/os-volume_attachments`, 200, 'local'), 'the attachment, at the local Nova');
    const inUse = await eventually('the volume in-use at the SP', 90, async () => {
      const volume = await volumeAtSp(spData.id);
      return volume.status === 'in-use' ? volume : undefined;
    });
    expect(inUse.attachments.map((a) => a.server_id)).to.deep.equal([server.id]);
    // Nova's own calls: the attachment made (nova-api), updated with the connector and completed (nova-compute), each at sp1.
    const attachments = /^\/volume\/v3\/[0-9a-f]+\/attachments(\/[0-9a-f-]+(\/action)?)?$/;
    await logB.expect(mark, logged('POST', attachments, 200, env.spId), "Nova's attachment create, at sp1");
    await logB.expect(mark, logged('PUT', attachments, 200, env.spId), "Nova's attachment update (the connection), at sp1");
    // What Nova sent the gateway, each with the user's IdP token and Nova's service token: Cinder's versions (the mount's root), the volume, the attachment.
    const fromNovaToCinder = novaRelay!.requests.filter((r) => r.path.startsWith('/volume/')).map((r) => `${r.path.replace(/^\/volume\/v3\/[0-9a-f]+\//, '')} ${fromNova(r)}`);
    expect(fromNovaToCinder).to.include.members(['/volume/ GET 300: an IdP token, X-Service-Token', `volumes/${spData.id} GET 200: an IdP token, X-Service-Token`, 'attachments POST 200: an IdP token, X-Service-Token']);
    console.log(`      (server add volume across the shared-storage pair, in-use at sp1: ${seconds(started)} s)`);

    await ok(viaB('server', 'remove', 'volume', server.id, spData.id));
    await eventually('the volume available again at the SP', 90, async () => ((await volumeAtSp(spData.id)).status === 'available' ? true : undefined));
    await logB.expect(mark, logged('DELETE', attachments, 200, env.spId), "Nova's attachment delete, at sp1");
  });

  it("the local server deleted at the local Nova: its ports asked of Neutron through the gateway", async () => {
    const mark = novaRelay!.requests.length;
    await ok(localNova('server', 'delete', '--wait', server.id));
    localServers.delete(server.id);
    const portQueries = novaRelay!.requests.slice(mark).filter((r) => r.path.startsWith('/network/v2.0/ports?') && r.path.includes(server.id));
    expect(portQueries.map(fromNova), "Nova's port queries").to.include('GET 200: an IdP token, X-Service-Token');
  });

  it('server create --volume of an sp1 volume with no header follows the volume to sp1', async () => {
    const started = Date.now();
    const mark = logB.mark();
    const made = await json<Server>(viaB, 'server', 'create', '--flavor', sharedFlavor, '--volume', spBoot.id, '--nic', 'none', '--wait', `k2k-svc-bfv-${suffix}`);
    spLeftovers.push([made.id, 'server']);
    expect(made.status).to.equal('ACTIVE');
    await logB.expect(mark, logged('POST', '/compute/v2.1/servers', 202, env.spId), 'the server create, at sp1');
    expect((await json<Server>(atSp, 'server', 'show', made.id)).status).to.equal('ACTIVE');
    const there = await volumeAtSp(spBoot.id);
    expect(there.status).to.equal('in-use');
    expect(there.attachments.map((a) => a.server_id)).to.deep.equal([made.id]);
    await ok(viaB('server', 'delete', '--wait', made.id));
    spLeftovers.splice(spLeftovers.findIndex(([id]) => id === made.id), 1);
    await eventually('the boot volume available again at the SP', 90, async () => ((await volumeAtSp(spBoot.id)).status === 'available' ? true : undefined));
    console.log(`      (server create --volume --wait at sp1 with no header, and delete: ${seconds(started)} s)`);
  });

  it("no IdP token and no Nova service token reached sp1's Nova, Cinder, Glance or Neutron: only tokens the SP issued", () => {
    const seen = relays.flatMap((relay) => relay.requests);
    const described = (r: RelayedRequest<TokenCheck>) =>
      `${r.method} ${r.path} -> ${r.status}: ${r.tokenCheck ? `a token the SP's Keystone answers ${r.tokenCheck.status} for` : 'no token'}${r.headerNames.includes('x-service-token') ? ', with X-Service-Token' : ''}`;
    expect(seen.filter((r) => r.tokenCheck?.status !== 200 || r.headerNames.includes('x-service-token')).map(described)).to.deep.equal([]);
    // Nova's calls were among them: the image, the attachment's create, update and delete.
    const paths = seen.map((r) => `${r.method} ${r.path.replace(/\/[0-9a-f]{32}\//, '/<project>/')}`);
    expect(paths).to.include(`GET /v2/images/${spImage.id}`);
    for (const method of ['POST', 'PUT', 'DELETE']) expect(paths.some((p) => p.startsWith(`${method} /v3/<project>/attachments`)), `${method} of an attachment`).to.equal(true);
    console.log(`      (${seen.length} requests reached sp1's services, each with an SP token)`);
  });
});
