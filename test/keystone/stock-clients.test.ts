import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import type { GatewayProcess } from '@k2k/gateway';
import { realFederation } from './real-keystone.js';
import { eventually, GatewayLog, gatewayKeystone, gatewayListening, ok, openstackAtSp, printedJson, realServices, runCli, startLoggedGateway, stopLoggedGateway, userCloudAuth, type LoggedRequest, type PrintedImage as Image, type PrintedRow as Listed, type PrintedVolume as Volume, type RealServices } from './stock-cli.js';


/**
 * Debian's stock CLIs (`openstack` from python3-openstackclient, `cinder`, `glance`), unmodified,
 * through the k2k gateway (packages/gateway: two workers on memcached) in front of REAL Cinder and
 * Glance (services-up.sh), at the IdP cloud and, through K2K, at the SP cloud. The clients reach
 * the gateway by endpoint override (clouds.yaml `block_storage_endpoint_override` /
 * `image_endpoint_override`, `cinder --os-endpoint`, `glance --os-image-url`); the catalog does not
 * name the gateway here (virtual-regions.test.ts puts it there, region sp1, with `k2k-gateway catalog
 * register`). Every step also checks, in the gateway's request log,
 * that the call went through the gateway and to which cloud.
 */
describe('stock OpenStack CLIs through the k2k gateway, on real Cinder and Glance', function () {
  this.timeout(300_000);
  let env: FederationEnv;
  let real: RealServices;
  let dir: string;
  let memcached: MemcachedServer | undefined;
  let gateway: GatewayProcess | undefined;
  let log: GatewayLog;
  const suffix = randomBytes(3).toString('hex');
  /** What a test made and has not deleted yet, as the gateway names it (qualified at the SP): removed in after() */
  const leftovers = new Map<string, 'volume' | 'image'>();

  let openstackEnv: Record<string, string>;
  let keystoneEnv: Record<string, string>;
  const openstack = (...args: string[]) => runCli('openstack', ['--os-cloud', 'gateway', '--os-volume-api-version', '3', ...args], openstackEnv);
  const openstackJson = <T>(...args: string[]): Promise<T> => printedJson<T>(openstack(...args, '-f', 'json'));
  /** The SP's real services directly, with the CLI's own K2K: not through the gateway */
  const atSp = (...args: string[]) => openstackAtSp(env, openstackEnv, ...args);
  const atSpJson = <T>(...args: string[]): Promise<T> => printedJson<T>(atSp(...args, '-f', 'json'));
  const cinder = (...args: string[]) => runCli('cinder', ['--os-endpoint', `${gateway!.url}/volume/v3/${env.idpProjectId}`, ...args], keystoneEnv);
  const glance = (...args: string[]) => runCli('glance', ['--os-image-url', `${gateway!.url}/image`, ...args], keystoneEnv);

  const volumes = () => `/volume/v3/${env.idpProjectId}/volumes`;
  const request = (method: string, path: string, status: number, serviceProvider: string) => (r: LoggedRequest) =>
    r.method === method && r.path === path && r.status === status && r.serviceProvider === serviceProvider;

  const imageFile = () => join(dir, 'image.raw');
  const imageBytes = Buffer.concat([randomBytes(1024 * 1024), Buffer.from('k2k stock clients')]);
  const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

  before(async () => {
    env = realFederation();
    real = realServices();
    dir = mkdtempSync(join(tmpdir(), 'k2k-stock-clients-'));
    writeFileSync(imageFile(), imageBytes);
    memcached = await startMemcached();
    const config = {
      ...gatewayListening(await freePort(), 2),
      keystone: gatewayKeystone(env),
      local: { endpoints: { [real.volumeServiceType]: real.idpVolumeEndpoint, [real.imageServiceType]: real.idpImageEndpoint } },
      mounts: { '/volume': real.volumeServiceType, '/image': real.imageServiceType },
      store: { backend: 'memcached', servers: [memcached.location], secret_key: 'stock-clients-suite-store-secret' },
      // The real services' catalog types are not OpenStack's own: say which API each speaks.
      service_apis: { [real.volumeServiceType]: 'block-storage', [real.imageServiceType]: 'image' },
    };
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(config, null, 2));
    ({ gateway, log } = await startLoggedGateway(join(dir, 'gateway.json')));

    const auth = userCloudAuth(env);
    // JSON is YAML: a clouds.yaml with the gateway as the volume and image endpoints, and one with
    // the SP's real services (used with the CLI's own K2K, to make things at the SP directly).
    const clouds = {
      clouds: {
        gateway: {
          auth,
          block_storage_endpoint_override: `${gateway.url}/volume/v3/%(project_id)s`,
          image_endpoint_override: `${gateway.url}/image`,
        },
        'sp-direct': { auth, block_storage_endpoint_override: real.spVolumeEndpoint, image_endpoint_override: real.spImageEndpoint },
      },
    };
    writeFileSync(join(dir, 'clouds.yaml'), JSON.stringify(clouds, null, 2));
    openstackEnv = { HOME: dir, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };
    keystoneEnv = {
      HOME: dir,
      OS_AUTH_URL: env.idpAuthUrl,
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: env.user,
      OS_PASSWORD: env.userPassword,
      OS_USER_DOMAIN_NAME: env.userDomain,
      OS_PROJECT_NAME: env.idpProject,
      OS_PROJECT_DOMAIN_NAME: 'Default',
    };
  });

  after(async () => {
    // What a failed test left behind, through the gateway (best effort, each CLI run bounded).
    if (gateway) {
      for (const [ref, kind] of leftovers) await openstack(kind, 'delete', ref);
    }
    if (gateway) await stopLoggedGateway(gateway);
    await memcached?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('at the local cloud (IdP)', () => {
    const volumeName = `k2k-vol-${suffix}`;
    const imageName = `k2k-img-${suffix}`;
    let volumeId: string;
    let imageId: string;

    it('openstack volume create, show and list: the real Cinder makes the volume, the CLI prints it', async () => {
      const mark = log.mark();
      const created = await openstackJson<Volume>('volume', 'create', '--size', '1', volumeName);
      volumeId = created.id;
      leftovers.set(volumeId, 'volume');
      expect(created.name).to.equal(volumeName);
      expect(created.size).to.equal(1);
      await log.expect(mark, request('POST', volumes(), 202, 'local'), 'POST of the volume, answered by the local Cinder');

      const shown = await eventually('volume available', 90, async () => {
        const volume = await openstackJson<Volume>('volume', 'show', volumeId);
        if (volume.status === 'error') throw new Error(`Cinder could not create the volume: ${JSON.stringify(volume)}`);
        return volume.status === 'available' ? volume : undefined;
      });
      expect(shown).to.include({ id: volumeId, name: volumeName, size: 1 });
      await log.expect(mark, request('GET', `${volumes()}/${volumeId}`, 200, 'local'), 'GET of the volume');

      const listed = await openstackJson<Listed[]>('volume', 'list');
      expect(listed.find((v) => v.ID === volumeId)).to.include({ Name: volumeName, Status: 'available' });
      await log.expect(mark, request('GET', `${volumes()}/detail`, 200, 'local'), 'volume list');
    });

    it('cinder list and cinder show print it, with version discovery through the gateway', async () => {
      const mark = log.mark();
      // No --os-volume-api-version: cinder asks the endpoint's root which microversions it speaks.
      const table = await ok(cinder('list'));
      expect(table).to.include(volumeId).and.to.include(volumeName);
      await log.expect(mark, request('GET', '/volume/', 300, 'local'), 'version discovery at /volume/');
      const shown = await ok(cinder('--os-volume-api-version', '3', 'show', volumeId));
      expect(shown).to.match(new RegExp(`\\|\\s+name\\s+\\|\\s+${volumeName}\\s+\\|`));
      expect(shown).to.match(/\|\s+status\s+\|\s+available\s+\|/);
    });

    it('openstack volume delete: the volume leaves the list', async () => {
      const mark = log.mark();
      await ok(openstack('volume', 'delete', volumeId));
      await log.expect(mark, request('DELETE', `${volumes()}/${volumeId}`, 202, 'local'), 'DELETE of the volume');
      leftovers.delete(volumeId);
      await eventually('volume gone from the list', 90, async () => {
        const listed = await openstackJson<Listed[]>('volume', 'list');
        return listed.some((v) => v.ID === volumeId) ? undefined : true;
      });
    });

    it('openstack image create --file, show and list: the real Glance stores the bytes', async () => {
      const mark = log.mark();
      const created = await openstackJson<Image>('image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', imageFile(), imageName);
      imageId = created.id;
      leftovers.set(imageId, 'image');
      expect(created.name).to.equal(imageName);
      await log.expect(mark, request('POST', '/image/v2/images', 201, 'local'), 'POST of the image');
      await log.expect(mark, request('PUT', `/image/v2/images/${imageId}/file`, 204, 'local'), 'upload of its data');

      const shown = await openstackJson<Image>('image', 'show', imageId);
      expect(shown).to.include({ id: imageId, name: imageName, status: 'active', checksum: md5(imageBytes), size: imageBytes.length });
      const listed = await openstackJson<Listed[]>('image', 'list');
      expect(listed.find((i) => i.ID === imageId)).to.include({ Name: imageName, Status: 'active' });
    });

    it('openstack image save downloads the same bytes; glance image-list and image-show print the image', async () => {
      const mark = log.mark();
      const saved = join(dir, 'saved.raw');
      await ok(openstack('image', 'save', '--file', saved, imageId));
      expect(md5(readFileSync(saved))).to.equal(md5(imageBytes));
      await log.expect(mark, request('GET', `/image/v2/images/${imageId}/file`, 200, 'local'), 'download of the data');

      const table = await ok(glance('image-list'));
      expect(table).to.include(imageId).and.to.include(imageName);
      const shown = await ok(glance('image-show', imageId));
      expect(shown).to.match(new RegExp(`\\|\\s+checksum\\s+\\|\\s+${md5(imageBytes)}\\s+\\|`));
    });

    it('openstack image delete: the image leaves the list', async () => {
      const mark = log.mark();
      await ok(openstack('image', 'delete', imageId));
      await log.expect(mark, request('DELETE', `/image/v2/images/${imageId}`, 204, 'local'), 'DELETE of the image');
      leftovers.delete(imageId);
      const listed = await openstackJson<Listed[]>('image', 'list');
      expect(listed.map((i) => i.ID)).to.not.include(imageId);
    });
  });

  describe('at the service provider, through K2K', () => {
    let spVolume: Volume;
    let spImage: Image;
    let made: Volume;

    before(async () => {
      // Made at the SP directly (the CLI's own K2K to the SP's real services): the gateway has
      // never seen these ids.
      const mark = log.mark();
      spVolume = await atSpJson<Volume>('volume', 'create', '--size', '1', `k2k-sp-vol-${suffix}`);
      leftovers.set(`${spVolume.id}@${env.spId}`, 'volume');
      spImage = await atSpJson<Image>('image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', imageFile(), `k2k-sp-img-${suffix}`);
      leftovers.set(`${spImage.id}@${env.spId}`, 'image');
      expect(log.requests.slice(mark), 'requests the gateway saw').to.have.length(0);
    });

    it("openstack volume show <id>@sp1: the gateway sends the bare id to the SP's real Cinder", async () => {
      const mark = log.mark();
      const shown = await openstackJson<Volume>('volume', 'show', `${spVolume.id}@${env.spId}`);
      expect(shown).to.include({ id: spVolume.id, name: spVolume.name, size: 1 });
      await log.expect(mark, request('GET', `${volumes()}/${spVolume.id}@${env.spId}`, 200, env.spId), 'GET of the qualified id, at the SP');
    });

    it('cinder show <id> of that volume goes straight to the SP: its location was learned (and shared by the workers)', async () => {
      const mark = log.mark();
      const shown = await ok(cinder('--os-volume-api-version', '3', 'show', spVolume.id));
      expect(shown).to.match(new RegExp(`\\|\\s+name\\s+\\|\\s+${spVolume.name}\\s+\\|`));
      await log.expect(mark, request('GET', `${volumes()}/${spVolume.id}`, 200, env.spId), 'GET of the bare id, at the SP');
    });

    it('openstack image show <id> finds the SP image by search; image save <id>@sp1 downloads its bytes', async () => {
      const mark = log.mark();
      const shown = await openstackJson<Image>('image', 'show', spImage.id);
      expect(shown).to.include({ id: spImage.id, name: spImage.name, status: 'active', checksum: md5(imageBytes) });
      await log.expect(mark, request('GET', `/image/v2/images/${spImage.id}`, 200, env.spId), 'GET of the image, found at the SP');
      const saved = join(dir, 'saved-sp.raw');
      await ok(openstack('image', 'save', '--file', saved, `${spImage.id}@${env.spId}`));
      expect(md5(readFileSync(saved))).to.equal(md5(imageBytes));
      await log.expect(mark, request('GET', `/image/v2/images/${spImage.id}/file`, 200, env.spId), 'download from the SP');
    });

    it('openstack volume create <name>@sp1 creates the volume at the SP under the bare name', async () => {
      const mark = log.mark();
      const name = `k2k-made-${suffix}`;
      made = await openstackJson<Volume>('volume', 'create', '--size', '1', `${name}@${env.spId}`);
      leftovers.set(`${made.id}@${env.spId}`, 'volume');
      expect(made.name).to.equal(name);
      await log.expect(mark, request('POST', volumes(), 202, env.spId), 'POST of the volume, at the SP');
      // The SP itself has it (asked directly, not through the gateway).
      const there = await atSpJson<Volume>('volume', 'show', made.id);
      expect(there).to.include({ id: made.id, name });
    });

    it('openstack volume delete / image delete <id>@sp1 delete at the SP', async () => {
      const mark = log.mark();
      await ok(openstack('volume', 'delete', `${spVolume.id}@${env.spId}`, `${made.id}@${env.spId}`));
      await ok(openstack('image', 'delete', `${spImage.id}@${env.spId}`));
      for (const id of [spVolume.id, made.id]) {
        await log.expect(mark, request('DELETE', `${volumes()}/${id}`, 202, env.spId), `DELETE of volume ${id}, at the SP`);
        leftovers.delete(`${id}@${env.spId}`);
      }
      await log.expect(mark, request('DELETE', `/image/v2/images/${spImage.id}`, 204, env.spId), 'DELETE of the image, at the SP');
      leftovers.delete(`${spImage.id}@${env.spId}`);
      // Gone at the SP, asked directly.
      await eventually('volumes gone at the SP', 90, async () => {
        const listed = await atSpJson<Listed[]>('volume', 'list');
        return listed.some((v) => v.ID === spVolume.id || v.ID === made.id) ? undefined : true;
      });
      const images = await atSpJson<Listed[]>('image', 'list');
      expect(images.map((i) => i.ID)).to.not.include(spImage.id);
    });
  });
});
