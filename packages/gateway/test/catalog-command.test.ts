import { expect } from 'chai';
import { KeystoneClient, selectEndpoint } from '@k2k/keystone';
import { freePort, startFederation, type Federation } from '@k2k/testing';
import { catalogUrlOf, runCatalogCommand, type CatalogAction } from '../src/catalog/catalog-command.js';
import type { GatewayConfig } from '../src/config/config.js';
import { createLogger } from '../src/app/logger.js';
import { runGateway } from '../src/serve/server.js';
import { configFor } from './fixtures.js';

describe('k2k-gateway catalog, against the simulated IdP', () => {
  let federation: Federation;
  let port: number;
  let gatewayUrl: string;
  let idp: KeystoneClient;
  const ADMIN = { username: 'admin', password: 'adminpw', project_name: 'admin' };

  before(async () => {
    federation = await startFederation();
    port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    idp = new KeystoneClient({ authUrl: federation.env.idpAuthUrl });
  });

  after(async () => {
    await idp.close();
    await federation.close();
  });

  const config = (extra: Record<string, unknown> = {}): GatewayConfig =>
    configFor(federation, {
      listen: { host: '127.0.0.1', port },
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' }, admin_auth: ADMIN },
      virtual_regions: 'auto',
      drain: { grace_seconds: 0 },
      ...extra,
    });
  const run = async (action: CatalogAction, using = config()): Promise<string[]> => {
    const lines: string[] = [];
    await runCatalogCommand(action, using, (line) => lines.push(line));
    return lines;
  };
  /** The IdP's catalog as the test compares it: region ids, service types, endpoint URLs. */
  const snapshot = () => {
    const { catalog } = federation.idp;
    return { regions: catalog.regions.map((region) => region.id), services: catalog.services.map((service) => service.type), endpoints: catalog.endpoints().map(({ endpoint }) => endpoint.url) };
  };
  const aliceCatalog = async () =>
    (await idp.authenticate({ user: { name: 'alice', domain: { name: 'Default' } }, password: 'alicepw' }, { project: { name: 'demo', domain: { name: 'Default' } } })).catalog;
  const created = (region: string) => [
    `create endpoint ${region} volumev3 public ${gatewayUrl}/${region}/volume/v3/%(project_id)s`,
    `create endpoint ${region} image public ${gatewayUrl}/${region}/image`,
  ];

  describe('register, then remove', () => {
    let original: ReturnType<typeof snapshot>;

    before(() => {
      original = snapshot();
    });

    it('print says what register would do, and changes nothing', async () => {
      expect(await run('print')).to.deep.equal([
        'create region sp1 (k2k-gateway virtual region for sp1)',
        'create region sp2 (k2k-gateway virtual region for sp2)',
        ...created('sp1'),
        ...created('sp2'),
        '(a dry run: nothing changed)',
      ]);
      expect(snapshot()).to.deep.equal(original);
    });

    it('register puts a region per SP in the catalog, its endpoints at the gateway: a stock client asking region sp1 reaches sp1 through it', async () => {
      expect(await run('register')).to.deep.equal([
        'create region sp1 (k2k-gateway virtual region for sp1)',
        'create region sp2 (k2k-gateway virtual region for sp2)',
        ...created('sp1'),
        ...created('sp2'),
      ]);
      // What `openstack --os-region-name sp1 volume list` does: the catalog's volume endpoint in region sp1, then the call.
      const catalog = await aliceCatalog();
      const volumeUrl = selectEndpoint(catalog, { serviceType: 'volumev3', region: 'sp1' })?.url;
      expect(volumeUrl).to.equal(`${gatewayUrl}/sp1/volume/v3/${federation.env.idpProjectId}`);
      expect(selectEndpoint(catalog, { serviceType: 'image', region: 'sp2' })?.url).to.equal(`${gatewayUrl}/sp2/image`);
      expect(selectEndpoint(catalog, { serviceType: 'volumev3', region: 'RegionOne' })?.url).to.equal(federation.env.idpVolumeEndpoint.replace('%(project_id)s', federation.env.idpProjectId));

      const gateway = await runGateway(config(), createLogger('silent'));
      try {
        const token = federation.idp.issueToken('alice', 'demo');
        const answer = await fetch(`${volumeUrl}/volumes`, { headers: { 'x-auth-token': token } });
        expect(answer.status).to.equal(200);
        expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp1');
        await answer.body?.cancel();
      } finally {
        await gateway.stop();
      }
    });

    it('register again changes nothing', async () => {
      const lines = await run('register');
      expect(lines.pop()).to.equal('nothing to change');
      expect(lines).to.have.length(4);
      for (const line of lines) expect(line).to.match(/^keep endpoint sp[12] (volumev3|image) public http:\/\/127\.0\.0\.1:\d+\/sp[12]\/(volume|image)/);
    });

    it('register deletes the endpoints it made that are no longer wanted: a mount dropped from the config', async () => {
      const lines = await run('register', config({ mounts: { '/volume': 'volumev3' } }));
      expect(lines.filter((line) => line.startsWith('delete'))).to.deep.equal([`delete endpoint sp1 image ${gatewayUrl}/sp1/image`, `delete endpoint sp2 image ${gatewayUrl}/sp2/image`]);
      expect(selectEndpoint(await aliceCatalog(), { serviceType: 'image', region: 'sp1' })).to.equal(undefined);
    });

    it('remove deletes exactly what register made', async () => {
      expect(await run('remove')).to.deep.equal([
        `delete endpoint sp1 volumev3 ${gatewayUrl}/sp1/volume/v3/%(project_id)s`,
        `delete endpoint sp2 volumev3 ${gatewayUrl}/sp2/volume/v3/%(project_id)s`,
        'delete region sp1 (made by k2k-gateway, now empty)',
        'delete region sp2 (made by k2k-gateway, now empty)',
      ]);
      expect(snapshot()).to.deep.equal(original);
      expect(await run('remove')).to.deep.equal(['nothing to change']);
    });
  });

  it('creates a service for a mount type the catalog lacks, uses a region that exists, and removes only what it made', async () => {
    const original = snapshot();
    federation.idp.catalog.addRegion('sp1', 'made by the operator');
    const withShare = config({
      local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint, 'k2k-share': 'http://127.0.0.1:9/v2/' } },
      mounts: { '/share': 'k2k-share' },
      virtual_regions: [{ sp: 'sp1' }],
    });
    try {
      expect(await run('register', withShare)).to.deep.equal(['create service k2k-share', `create endpoint sp1 k2k-share public ${gatewayUrl}/sp1/share/v2`]);
      expect(selectEndpoint(await aliceCatalog(), { serviceType: 'k2k-share', region: 'sp1' })?.url).to.equal(`${gatewayUrl}/sp1/share/v2`);
      const removed = await run('remove', withShare);
      expect(removed[0]).to.equal(`delete endpoint sp1 k2k-share ${gatewayUrl}/sp1/share/v2`);
      expect(removed[1]).to.match(/^delete service k2k-share \([0-9a-f]{32}, made by k2k-gateway, now empty\)$/);
      expect(removed).to.have.length(2); // region sp1 was there before: it stays
      expect(snapshot()).to.deep.equal({ ...original, regions: [...original.regions, 'sp1'] });
    } finally {
      federation.idp.catalog.removeRegion('sp1');
    }
  });

  it("registers a mount of a type of its own under catalog_types (what Horizon looks up): region sp1's volumev3 is the gateway, which reaches the SP's service of the mounted type", async () => {
    // sp1's Cinder under a type of the operator's own; the IdP's catalog has no such service.
    const sp = federation.sp('sp1');
    const { volume } = federation.cloud('sp1');
    const gold = sp.catalog.addService('volume-gold', 'cinder-gold', [{ interface: 'public', regionId: 'RegionOne', url: `${volume.publicUrl}/v3/%(project_id)s` }]);
    const original = snapshot();
    const withGold = config({
      local: { endpoints: { 'volume-gold': federation.env.idpVolumeEndpoint } },
      mounts: { '/volume': 'volume-gold' },
      service_apis: { 'volume-gold': 'block-storage' },
      catalog_types: { 'volume-gold': ['volumev3'] },
      virtual_regions: [{ sp: 'sp1' }],
    });
    const gateway = await runGateway(withGold, createLogger('silent'));
    try {
      expect(await run('register', withGold)).to.deep.equal(['create region sp1 (k2k-gateway virtual region for sp1)', `create endpoint sp1 volumev3 public ${gatewayUrl}/sp1/volume/v3/%(project_id)s`]);
      const catalog = await aliceCatalog();
      expect(catalog.some((service) => service.type === 'volume-gold'), 'no volume-gold service at the IdP').to.equal(false);
      const volumeUrl = selectEndpoint(catalog, { serviceType: 'volumev3', region: 'sp1' })?.url;
      expect(volumeUrl).to.equal(`${gatewayUrl}/sp1/volume/v3/${federation.env.idpProjectId}`);
      const answer = await fetch(`${volumeUrl}/volumes`, { headers: { 'x-auth-token': federation.idp.issueToken('alice', 'demo') } });
      expect(answer.status).to.equal(200);
      expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp1');
      await answer.body?.cancel();
      expect(await run('remove', withGold)).to.deep.equal([`delete endpoint sp1 volumev3 ${gatewayUrl}/sp1/volume/v3/%(project_id)s`, 'delete region sp1 (made by k2k-gateway, now empty)']);
      expect(snapshot()).to.deep.equal(original);
    } finally {
      await gateway.stop();
      sp.catalog.removeService(gold.id);
    }
  });

  it('refuses catalog_types naming an unmounted type, or one catalog type for two mounts', () => {
    expect(() => config({ catalog_types: { 'volume-gold': ['volumev3'] } })).to.throw(/^catalog_types\.volume-gold: no mount serves volume-gold \(mounted: volumev3, image\)/);
    expect(() => config({ catalog_types: { image: ['volumev3'] } })).to.throw(/^catalog_types\.image\[0\]: volumev3 is registered for both volumev3 and image: a virtual region can list one endpoint of it/);
  });

  it('refuses to register next to an endpoint it did not make in a virtual region, changing nothing', async () => {
    const { catalog } = federation.idp;
    const volume = catalog.services.find((service) => service.type === 'volumev3');
    if (!volume) throw new Error('no volumev3 service');
    catalog.addRegion('sp2');
    const foreign = catalog.addEndpoint(volume, { interface: 'public', regionId: 'sp2', url: 'http://elsewhere.example:8776/v3/%(project_id)s' });
    const before = snapshot();
    try {
      const error = await run('register').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.equal('nothing changed: region sp2 already has a public volumev3 endpoint that this gateway did not register: http://elsewhere.example:8776/v3/%(project_id)s');
      expect(snapshot()).to.deep.equal(before);
    } finally {
      catalog.removeEndpoint(foreign.id);
      catalog.removeRegion('sp2');
    }
  });

  it('logs in with keystone.admin_auth, else service_auth, which then needs the admin role', async () => {
    const withoutAdmin = config({ keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'alice', password: 'alicepw', project_name: 'demo' } } });
    const error = await run('print', withoutAdmin).then(
      () => undefined,
      (e: Error & { status?: number }) => e,
    );
    expect(error?.status).to.equal(403);
    expect(error?.message).to.match(/^You are not authorized to perform the requested action: identity:list_(services|endpoints)\.$/);
  });

  it('needs public_url when the gateway listens on every address', () => {
    expect(() => catalogUrlOf(config({ listen: { host: '0.0.0.0', port: 5001 } }))).to.throw(/^public_url: required by the catalog commands: listen 0\.0\.0\.0:5001 is no address a client can reach/);
    expect(catalogUrlOf(config({ listen: { host: '0.0.0.0', port: 5001 }, public_url: 'https://gw.example.com/k2k/' }))).to.equal('https://gw.example.com/k2k');
    expect(catalogUrlOf(config({ listen: { host: '::1', port: 5001 } }))).to.equal('http://[::1]:5001');
  });
});
