import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeystoneClient, CatalogAdmin } from '@k2k/keystone';
import { freePort, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import type { GatewayProcess } from '@k2k/gateway';
import { realFederation } from './real-keystone.js';
import { catalogCommand, eventually, GatewayLog, gatewayKeystoneWithAdmin, gatewayListening, idpCatalogAdmin, ok, openstackAtSp, printedJson, realServices, removeCatalogEntries, runCli, startLoggedGateway, stopLoggedGateway, userCloudAuth, type CliResult, type LoggedRequest, type PrintedImage as Image, type PrintedRow as Listed, type PrintedVolume as Volume, type RealServices } from './stock-cli.js';


/** The big image's size: 256 MiB (K2K_BIG_IMAGE_MIB to change it). */
const BIG_IMAGE_MIB = Number(process.env.K2K_BIG_IMAGE_MIB ?? 256);
/** A worker streams an image in constant memory: Node's buffers (+46 MiB measured for 256 MiB up and down). One that held it would grow by its size. */
const RSS_GROWTH_LIMIT_MIB = 96;

/** The IdP's catalog as comparable text: regions, services, endpoints (ids included). */
async function catalogSnapshot(admin: CatalogAdmin): Promise<string[]> {
  const [regions, services, endpoints] = await Promise.all([admin.listRegions(), admin.listServices(), admin.listEndpoints()]);
  return [
    ...regions.map((r) => `region ${r.id} ${r.parentRegionId ?? ''} ${r.description}`),
    ...services.map((s) => `service ${s.id} ${s.type} ${s.name} ${s.description} ${s.enabled}`),
    ...endpoints.map((e) => `endpoint ${e.id} ${e.serviceId} ${e.regionId ?? ''} ${e.interface} ${e.url} ${e.enabled}`),
  ].sort();
}

/** Resident set of a process in KiB (/proc/<pid>/status VmRSS), 0 once it is gone. */
function rssKib(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The gateway's workers: the children of its primary. */
function workerPids(primary: number): number[] {
  const children = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** The requests a CLI run with `--debug` made (keystoneauth's `REQ: curl` lines), each as `METHOD URL`. */
function debugRequests(result: CliResult): string[] {
  return [...(result.stdout + result.stderr).matchAll(/REQ: curl -g -i -X (\w+) (\S+)/g)].map((m) => `${m[1]} ${m[2].replace(/^"|"$/g, '')}`);
}

/**
 * Virtual regions (issue #13): the gateway with `virtual_regions: auto` and `public_url`,
 * `k2k-gateway catalog register` putting region sp1 in the real IdP's catalog, and the stock CLIs
 * reaching the SP's real Cinder and Glance with `--os-region-name sp1` and NO endpoint override:
 * the endpoints come from the token's catalog. The real services have catalog types of their own
 * here (k2k-real-volume / k2k-real-image: the fakes keep volumev3 / image in RegionOne), so the
 * gateway mounts those types and register makes region sp1's endpoints of those types; the test
 * adds region sp1 endpoints of the standard types (volumev3, image, which `openstack` looks up)
 * with the very URLs register made (below the gateway's `/sp1/`, so `catalog remove` takes them
 * as the gateway's own). `catalog remove` then leaves the catalog exactly as it was.
 */
describe('virtual regions: stock CLIs with --os-region-name sp1 through the gateway, on real Cinder and Glance', function () {
  this.timeout(300_000);
  let env: FederationEnv;
  let real: RealServices;
  let dir: string;
  let configFile: string;
  let memcached: MemcachedServer | undefined;
  let gateway: GatewayProcess | undefined;
  let log: GatewayLog;
  let idp: KeystoneClient | undefined;
  let admin: CatalogAdmin;
  let catalogBefore: string[] | undefined;
  let registered = false;
  const suffix = randomBytes(3).toString('hex');
  /** Volumes and images at the SP not deleted yet (bare ids): removed in after(), at the SP directly */
  const leftovers = new Map<string, 'volume' | 'image'>();

  let openstackEnv: Record<string, string>;
  let keystoneEnv: Record<string, string>;
  /** The stock CLI, region sp1, no endpoint override: the catalog says where */
  const inRegion = (...args: string[]) =>
    runCli('openstack', ['--os-cloud', 'idp', '--os-region-name', env.spId, '--os-volume-api-version', '3', ...args], openstackEnv);
  const inRegionJson = <T>(...args: string[]): Promise<T> => printedJson<T>(inRegion(...args, '-f', 'json'));
  /** The SP's real services directly, with the CLI's own K2K: not through the gateway */
  const atSp = (...args: string[]) => openstackAtSp(env, openstackEnv, ...args);
  const atSpJson = <T>(...args: string[]): Promise<T> => printedJson<T>(atSp(...args, '-f', 'json'));

  /** `cinder --debug` in region sp1 (OS_REGION_NAME: this cinderclient has no --os-region-name, only the hidden --os_region_name), on the endpoint register made (type k2k-real-volume) */
  const cinderInRegion = (...args: string[]) =>
    runCli('cinder', ['--debug', '--service-type', real.volumeServiceType, '--os-volume-api-version', '3', ...args], { ...keystoneEnv, OS_REGION_NAME: env.spId });
  /** The IdP Keystone's root: requests to it are the CLI's logins, not service calls */
  const idpRoot = () => env.idpAuthUrl.replace(/\/v3$/, '');

  const regionVolumes = () => `/${env.spId}/volume/v3/${env.idpProjectId}/volumes`;
  const inSp = (r: LoggedRequest) => r.serviceProvider === env.spId;

  before(async () => {
    const started = Date.now();
    env = realFederation();
    real = realServices();
    dir = mkdtempSync(join(tmpdir(), 'k2k-virtual-regions-'));
    ({ client: idp, admin } = await idpCatalogAdmin(env));
    catalogBefore = await catalogSnapshot(admin);
    expect(catalogBefore.some((line) => line.startsWith(`region ${env.spId} `)), `region ${env.spId} already in the IdP's catalog`).to.equal(false);

    memcached = await startMemcached();
    const port = await freePort();
    const config = {
      ...gatewayListening(port, 2, { publicUrl: true }),
      keystone: gatewayKeystoneWithAdmin(env),
      local: { endpoints: { [real.volumeServiceType]: real.idpVolumeEndpoint, [real.imageServiceType]: real.idpImageEndpoint } },
      mounts: { '/volume': real.volumeServiceType, '/image': real.imageServiceType },
      virtual_regions: 'auto',
      store: { backend: 'memcached', servers: [memcached.location], secret_key: 'virtual-regions-suite-store-secret' },
      // Merged pages of one volume: a plain `cinder list` through /volume follows next links.
      routing: {
        page_limit: 1,
        resource_types: { [real.volumeServiceType]: ['volumes', 'snapshots'], [real.imageServiceType]: ['images'] },
        aggregated_resource_types: { [real.volumeServiceType]: ['volumes', 'snapshots'], [real.imageServiceType]: ['images'] },
      },
    };
    configFile = join(dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    ({ gateway, log } = await startLoggedGateway(configFile));

    const auth = userCloudAuth(env);
    // `idp`: nothing but the IdP's auth; `sp-direct`: the SP's real services (with the CLI's own K2K).
    const clouds = {
      clouds: {
        idp: { auth },
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
    console.log(`      (set-up: gateway with virtual regions up in ${seconds(started)} s)`);
  });

  after(async () => {
    // Best effort, each step bounded: what a failed test left at the SP, then the catalog.
    for (const [id, kind] of leftovers) await atSp(kind, 'delete', id);
    if (registered) await removeCatalogEntries(configFile);
    if (gateway) await stopLoggedGateway(gateway);
    await memcached?.stop();
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('k2k-gateway catalog register', () => {
    it('puts region sp1 in the IdP catalog, endpoints at the gateway', async () => {
      const started = Date.now();
      const printed = await catalogCommand('print', configFile);
      expect(printed).to.include(`create region ${env.spId}`).and.to.include('(a dry run: nothing changed)');
      expect(await catalogSnapshot(admin)).to.deep.equal(catalogBefore);

      registered = true;
      const output = await catalogCommand('register', configFile);
      const volumeUrl = `${gateway!.url}/${env.spId}/volume/v3/%(project_id)s`;
      const imageUrl = `${gateway!.url}/${env.spId}/image`;
      expect(output).to.include(`create region ${env.spId} (k2k-gateway virtual region for ${env.spId})`);
      expect(output).to.include(`create endpoint ${env.spId} ${real.volumeServiceType} public ${volumeUrl}`);
      expect(output).to.include(`create endpoint ${env.spId} ${real.imageServiceType} public ${imageUrl}`);
      expect(await catalogCommand('register', configFile)).to.include('nothing to change');

      // openstack looks up volumev3 (block-storage) and image: the same URLs under those types, in region sp1 only.
      const services = await admin.listServices();
      for (const [type, url] of [['volumev3', volumeUrl], ['image', imageUrl]]) {
        const service = services.find((s) => s.type === type);
        if (!service) throw new Error(`the IdP's catalog has no ${type} service`);
        await admin.createEndpoint({ serviceId: service.id, regionId: env.spId, interface: 'public', url });
      }
      const endpoints = await admin.listEndpoints({ regionId: env.spId });
      expect(endpoints.map((e) => e.url).sort()).to.deep.equal([imageUrl, imageUrl, volumeUrl, volumeUrl]);
      console.log(`      (catalog print + register x2 + aliases: ${seconds(started)} s)`);
    });
  });

  describe('with region sp1 in the catalog', () => {
    let direct: Volume;
    let direct2: Volume;
    let viaRegion: Volume;
    const ours = () => [direct, direct2, viaRegion].map((v) => v.id);

    before(async () => {
      const started = Date.now();
      // Two volumes made at the SP directly (the gateway never saw them), one through region sp1:
      // three, more than one page of the SP's Cinder (osapi_max_limit 2, services-up.sh).
      const mark = log.mark();
      direct = await atSpJson<Volume>('volume', 'create', '--size', '1', `k2k-vr-direct-${suffix}`);
      leftovers.set(direct.id, 'volume');
      direct2 = await atSpJson<Volume>('volume', 'create', '--size', '1', `k2k-vr-direct2-${suffix}`);
      leftovers.set(direct2.id, 'volume');
      expect(log.requests.slice(mark), 'requests the gateway saw').to.have.length(0);
      viaRegion = await inRegionJson<Volume>('volume', 'create', '--size', '1', `k2k-vr-region-${suffix}`);
      leftovers.set(viaRegion.id, 'volume');
      await log.expect(mark, (r) => r.method === 'POST' && r.path === regionVolumes() && r.status === 202 && inSp(r), 'POST of the volume in region sp1, at the SP');
      console.log(`      (three volumes at the SP: ${seconds(started)} s)`);
    });

    it('openstack --os-region-name sp1 volume list and volume show <id> show the volume made at the SP directly', async () => {
      const started = Date.now();
      const mark = log.mark();
      const listed = await eventually('the three volumes listed in region sp1', 60, async () => {
        const volumes = await inRegionJson<Listed[]>('volume', 'list');
        return ours().every((id) => volumes.some((v) => v.ID === id)) ? volumes : undefined;
      });
      expect(listed.find((v) => v.ID === direct.id)).to.include({ Name: direct.name });
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `${regionVolumes()}/detail` && r.status === 200 && inSp(r), 'volume list in region sp1, at the SP');
      // The bare id, no `@sp1`: the region says where.
      const shown = await inRegionJson<Volume>('volume', 'show', direct.id);
      expect(shown).to.include({ id: direct.id, name: direct.name, size: 1 });
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `${regionVolumes()}/${direct.id}` && r.status === 200 && inSp(r), 'volume show in region sp1, at the SP');
      // The region's requests are the SP's alone: nothing of them went to the local cloud.
      expect(log.requests.slice(mark).filter((r) => r.path.includes('/volumes') && r.serviceProvider !== env.spId), 'volume requests to another cloud').to.deep.equal([]);
      console.log(`      (volume list and show in region sp1: ${seconds(started)} s)`);
    });

    it('openstack --os-region-name sp1 image list reaches the SP Glance through the gateway', async () => {
      const started = Date.now();
      const small = join(dir, 'small.raw');
      writeFileSync(small, randomBytes(4096));
      const image = await atSpJson<Image>('image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', small, `k2k-vr-list-${suffix}`);
      leftovers.set(image.id, 'image');
      const mark = log.mark();
      const listed = await inRegionJson<Listed[]>('image', 'list');
      expect(listed.find((i) => i.ID === image.id)).to.include({ Name: image.name });
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `/${env.spId}/image/v2/images` && r.status === 200 && inSp(r), 'image list in region sp1, at the SP');
      await ok(atSp('image', 'delete', image.id));
      leftovers.delete(image.id);
      console.log(`      (image create at the SP, list in region sp1, delete: ${seconds(started)} s)`);
    });

    it('cinder list --limit 1 in region sp1 (OS_REGION_NAME): version discovery at the SP and one page, all through the gateway, its next link pointing at the gateway', async () => {
      const started = Date.now();
      const mark = log.mark();
      const result = await cinderInRegion('list', '--limit', '1');
      if (result.code !== 0) throw new Error(`cinder list exited with ${result.code}: ${result.stderr.slice(-3000)}`);
      const requested = debugRequests(result);
      const toServices = requested.filter((r) => !r.includes(idpRoot()));
      expect(toServices.length, `requests:\n${requested.join('\n')}`).to.be.greaterThan(0);
      for (const r of toServices) expect(r, 'a request not to the gateway').to.include(`${gateway!.url}/`);
      // cinderclient asks the endpoint's root which microversions it speaks: the SP's Cinder answers.
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `/${env.spId}/volume/` && r.status === 300 && inSp(r), 'version discovery at the region root, at the SP');
      await log.expect(mark, (r) => r.method === 'GET' && r.path === `${regionVolumes()}/detail` && r.status === 200 && inSp(r), 'the page, at the SP');
      expect(log.requests.slice(mark).filter((r) => r.path === `${regionVolumes()}/detail`), 'pages asked for').to.have.length(1);

      const body = /RESP BODY: (\{"volumes":.*)$/m.exec(result.stdout + result.stderr);
      const links = body ? ((JSON.parse(body[1]) as { volumes_links?: { rel: string; href: string }[] }).volumes_links ?? []) : [];
      const next = links.find((link) => link.rel === 'next');
      if (!next) throw new Error(`no next link in cinder's debug output:\n${(result.stdout + result.stderr).slice(-3000)}`);
      expect(next.href.startsWith(`${gateway!.url}/${env.spId}/volume/v3/${env.idpProjectId}/volumes/detail?`), next.href).to.equal(true);
      console.log(`      (cinder list --limit 1 in region sp1: ${seconds(started)} s)`);
    });

    it("cinder list --limit N in region sp1, N above the SP's page of 2: cinderclient follows the next links, every page through the gateway", async () => {
      const started = Date.now();
      // What the SP's Cinder has in the project, asked directly.
      const atTheSp = (await atSpJson<Listed[]>('volume', 'list')).map((v) => v.ID);
      expect(atTheSp).to.include.members(ours());
      const mark = log.mark();
      const result = await cinderInRegion('list', '--limit', String(atTheSp.length));
      if (result.code !== 0) throw new Error(`cinder list exited with ${result.code}: ${result.stderr.slice(-3000)}`);
      const printed = [...result.stdout.matchAll(/^\|\s*([0-9a-f-]{36})\s*\|/gm)].map((m) => m[1]);
      expect(printed.sort(), 'the volumes cinder printed').to.deep.equal(atTheSp.sort());
      const requested = debugRequests(result);
      for (const line of requested.filter((r) => !r.includes(idpRoot()))) expect(line, 'a request not to the gateway').to.include(`${gateway!.url}/${env.spId}/volume/`);
      const pages = requested.filter((r) => r.includes('/volumes/detail'));
      expect(pages.length, `pages:\n${pages.join('\n')}`).to.be.at.least(2);
      await eventually('every page in the gateway log', 5, async () =>
        log.requests.slice(mark).filter((r) => r.path === `${regionVolumes()}/detail`).length >= pages.length ? true : undefined,
      );
      const logged = log.requests.slice(mark).filter((r) => r.path === `${regionVolumes()}/detail`);
      expect(logged.length).to.equal(pages.length);
      for (const r of logged) expect(r).to.include({ method: 'GET', status: 200, serviceProvider: env.spId });
      console.log(`      (cinder list --limit ${atTheSp.length} in region sp1, ${pages.length} pages through the gateway: ${seconds(started)} s)`);
    });

    it('cinder list through /volume, merged pages of one: every next link is followed through the gateway', async () => {
      const started = Date.now();
      const mark = log.mark();
      const result = await runCli('cinder', ['--debug', '--os-endpoint', `${gateway!.url}/volume/v3/${env.idpProjectId}`, '--os-volume-api-version', '3', 'list'], keystoneEnv);
      if (result.code !== 0) throw new Error(`cinder list exited with ${result.code}: ${result.stderr.slice(-3000)}`);
      for (const id of ours()) expect(result.stdout).to.include(id);
      const requested = debugRequests(result);
      const pages = requested.filter((r) => r.includes('/volumes/detail'));
      const toServices = requested.filter((r) => !r.includes(idpRoot()));
      for (const r of toServices) expect(r, 'a request not to the gateway').to.include(` ${gateway!.url}/volume/`);
      expect(pages.length, `pages:\n${pages.join('\n')}`).to.be.at.least(2);
      // The gateway answered every page the client asked for.
      await eventually('every page in the gateway log', 5, async () =>
        log.requests.slice(mark).filter((r) => r.method === 'GET' && r.path === `/volume/v3/${env.idpProjectId}/volumes/detail` && r.status === 200).length >= pages.length ? true : undefined,
      );
      const logged = log.requests.slice(mark).filter((r) => r.path === `/volume/v3/${env.idpProjectId}/volumes/detail`);
      expect(logged.length).to.equal(pages.length);
      console.log(`      (cinder list, ${pages.length} pages of one, all through the gateway: ${seconds(started)} s)`);
    });

    it(`a ${BIG_IMAGE_MIB} MiB image: openstack --os-region-name sp1 image create --file and image save, same checksum, gateway RSS bounded`, async function () {
      this.timeout(600_000);
      const big = join(dir, 'big.raw');
      const hash = createHash('md5');
      const fd = openSync(big, 'w');
      for (let i = 0; i < BIG_IMAGE_MIB; i += 16) {
        const chunk = randomBytes(16 * 1024 * 1024);
        hash.update(chunk);
        writeSync(fd, chunk);
      }
      closeSync(fd);
      const checksum = hash.digest('hex');

      const workers = workerPids(gateway!.child.pid!);
      expect(workers.length).to.equal(2);
      const before = new Map(workers.map((pid) => [pid, rssKib(pid)]));
      const peak = new Map(before);
      const sampler = setInterval(() => {
        for (const pid of workers) peak.set(pid, Math.max(peak.get(pid)!, rssKib(pid)));
      }, 100);
      const mark = log.mark();
      let image: Image;
      let uploadSeconds: string;
      let downloadSeconds: string;
      try {
        let started = Date.now();
        image = await inRegionJson<Image>('image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', big, `k2k-vr-big-${suffix}`);
        leftovers.set(image.id, 'image');
        uploadSeconds = seconds(started);
        await log.expect(mark, (r) => r.method === 'PUT' && r.path === `/${env.spId}/image/v2/images/${image.id}/file` && r.status === 204 && inSp(r), 'upload in region sp1, at the SP');
        const shown = await inRegionJson<Image>('image', 'show', image.id);
        expect(shown).to.include({ id: image.id, status: 'active', checksum, size: BIG_IMAGE_MIB * 1024 * 1024 });
        started = Date.now();
        const saved = join(dir, 'big-saved.raw');
        await ok(inRegion('image', 'save', '--file', saved, image.id));
        downloadSeconds = seconds(started);
        await log.expect(mark, (r) => r.method === 'GET' && r.path === `/${env.spId}/image/v2/images/${image.id}/file` && r.status === 200 && inSp(r), 'download in region sp1, at the SP');
        expect(await md5File(saved)).to.equal(checksum);
        rmSync(saved);
      } finally {
        clearInterval(sampler);
        rmSync(big, { force: true });
      }
      for (const pid of workers) peak.set(pid, Math.max(peak.get(pid)!, rssKib(pid)));
      const growth = workers.map((pid) => peak.get(pid)! - before.get(pid)!);
      const mib = (kib: number) => (kib / 1024).toFixed(1);
      console.log(
        `      (${BIG_IMAGE_MIB} MiB: upload ${uploadSeconds} s, download ${downloadSeconds} s; gateway workers' VmRSS ` +
          workers.map((pid, i) => `${pid}: ${mib(before.get(pid)!)} -> peak ${mib(peak.get(pid)!)} MiB (+${mib(growth[i])})`).join(', ') +
          ')',
      );
      for (const kib of growth) expect(kib / 1024, 'RSS growth of a gateway worker, MiB').to.be.below(RSS_GROWTH_LIMIT_MIB);
      await ok(inRegion('image', 'delete', image.id));
      leftovers.delete(image.id);
    });

    it('openstack --os-region-name sp1 volume delete deletes the three at the SP', async () => {
      const mark = log.mark();
      await ok(inRegion('volume', 'delete', ...ours()));
      for (const id of ours()) {
        await log.expect(mark, (r) => r.method === 'DELETE' && r.path === `${regionVolumes()}/${id}` && r.status === 202 && inSp(r), `DELETE of ${id} in region sp1`);
        leftovers.delete(id);
      }
      await eventually('volumes gone at the SP', 90, async () => {
        const listed = await atSpJson<Listed[]>('volume', 'list');
        return listed.some((v) => ours().includes(v.ID)) ? undefined : true;
      });
    });
  });

  describe('k2k-gateway catalog remove', () => {
    it('leaves the IdP catalog as it was', async () => {
      const output = await catalogCommand('remove', configFile);
      expect(output).to.include(`delete region ${env.spId}`);
      registered = false;
      expect(await catalogSnapshot(admin)).to.deep.equal(catalogBefore);
    });
  });
});
