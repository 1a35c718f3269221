import { expect } from 'chai';
import { Writable } from 'node:stream';
import request from 'supertest';
import { startFederation, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createGateway, type Gateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { mountVersion } from '../src/regions/version-discovery.js';

const HOST = 'gw.example.com:5001';

describe('the gateway: version discovery without a token, a version document where the service has none, and its own 404', () => {
  let federation: Federation;
  let gateway: Gateway;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    const config = parseConfig({
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint, image: federation.env.idpImageEndpoint } },
      mounts: { '/volume': 'volumev3', '/image': 'image' },
    });
    gateway = createGateway(config, createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })));
  });

  after(async () => {
    await gateway.close();
    await federation.close();
  });

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.image.reset();
    }
    federation.idp.calls.reset();
  });

  const local = () => federation.cloud('idp');
  const selfLinks = (body: { versions: { links: { rel: string; href: string }[] }[] }) => body.versions.flatMap((version) => version.links.filter((link) => link.rel === 'self').map((link) => link.href));

  it("answers a mount's root without a token from the local service, which received none, its links on the gateway", async () => {
    for (const path of ['/volume', '/volume/']) {
      const answer = await request(gateway.app).get(path).set('host', HOST).expect(300);
      expect(selfLinks(answer.body), path).to.deep.equal([`http://${HOST}/volume/v3/`]);
    }
    await request(gateway.app).head('/volume/').expect(300);
    expect(local().volume.requests.map((received) => [received.method, received.path])).to.deep.equal([
      ['GET', '/'],
      ['GET', '/'],
      ['HEAD', '/'],
    ]);
    for (const received of local().volume.requests) expect(received.headers).to.not.have.property('x-auth-token');
    expect(federation.idp.calls.count()).to.equal(0);
  });

  it("answers Glance's /versions and root without a token", async () => {
    const versions = await request(gateway.app).get('/image/versions').set('host', HOST).expect(200);
    expect(new Set(selfLinks(versions.body))).to.deep.equal(new Set([`http://${HOST}/image/v2/`]));
    await request(gateway.app).get('/image/').expect(300);
    expect(local().image.requests.map((received) => received.path)).to.deep.equal(['/versions', '/']);
  });

  it("passes on the local service's own answer to a bare version root: Cinder asks for a token at /v3/", async () => {
    const answer = await request(gateway.app).get('/volume/v3/').expect(401);
    expect(answer.headers['www-authenticate']).to.match(/^Keystone uri=/);
    expect(local().volume.requests.map((received) => received.path)).to.deep.equal(['/v3/']);
  });

  it('leaves everything else to keystoneAuth: other paths, other methods, a service provider named, any token', async () => {
    const refused: [string, string, Record<string, string>][] = [
      ['GET', `/volume/v3/${federation.env.idpProjectId}/volumes`, {}],
      ['GET', '/volume/v3/x', {}],
      ['POST', '/volume/', {}],
      ['GET', '/volume/', { 'SERVICE-PROVIDER': 'sp1' }],
      ['GET', '/volume/', { 'MM-SERVICE-PROVIDER': 'sp1' }],
      ['GET', '/volume/', { 'x-auth-token': 'not-a-token' }],
      ['GET', '/image/versions', { 'x-service-token': 'not-a-token' }],
    ];
    for (const [method, path, headers] of refused) {
      const answer = await request(gateway.app)[method === 'GET' ? 'get' : 'post'](path).set(headers).expect(401);
      expect(answer.headers['www-authenticate'], `${method} ${path}`).to.match(/^Keystone uri=/);
    }
    expect(local().volume.requests).to.have.length(0);
    expect(federation.cloud('sp1').volume.requests).to.have.length(0);
  });

  it("with a token, asks a service provider's version document and points its links at the gateway", async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    const answer = await request(gateway.app).get('/volume/').set({ host: HOST, 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(300);
    expect(selfLinks(answer.body)).to.deep.equal([`http://${HOST}/volume/v3/`]);
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(federation.cloud('sp1').volume.requests[0].path).to.equal('/');
  });

  it('answers a path nothing serves with a JSON 404 in OpenStack shape, without asking Keystone', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    for (const [path, headers] of [['/nothing', {}], ['/volumes', { 'x-auth-token': token }], ['/', {}]] as const) {
      const answer = await request(gateway.app).get(path).set(headers).expect(404).expect('content-type', /application\/json/);
      expect(answer.body, path).to.deep.equal({ error: { code: 404, title: 'Not Found', message: 'The resource could not be found.' } });
      expect(answer.headers['x-openstack-request-id']).to.match(/^req-/);
    }
    expect(federation.idp.calls.count()).to.equal(0);
  });

  describe('a version document at a mount root whose service has none', () => {
    let documented: Gateway;

    before(() => {
      const config = parseConfig({
        keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
        local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint, image: federation.env.idpImageEndpoint } },
        mounts: { '/volume': 'volumev3', '/image': 'image' },
        virtual_regions: [{ sp: 'sp1' }],
      });
      documented = createGateway(config, createLogger('silent', new Writable({ write: (_chunk, _encoding, done) => done() })));
    });

    after(() => documented.close());

    afterEach(() => {
      for (const cloud of federation.clouds) {
        cloud.volume.faults.clear();
        cloud.image.faults.clear();
      }
    });

    /** The gateway's document for a mount at `mount` serving `version` */
    const documentFor = (mount: string, id: string) => ({ versions: [{ id: `v${id}`, status: 'CURRENT', min_version: id, version: id, links: [{ rel: 'self', href: `http://${HOST}${mount}/v${id.replace(/\.0$/, '')}/` }] }] });

    it("answers 300 with the mount's version when the local service answers its root 404, on every mount and virtual region", async () => {
      local().volume.faults.set({ status: 404 }, 'versions');
      local().image.faults.set({ status: 404 }, 'versions');
      for (const [path, mount, id] of [
        ['/volume', '/volume', '3.0'],
        ['/volume/', '/volume', '3.0'],
        ['/volume/?x=1', '/volume', '3.0'],
        ['/sp1/volume/', '/sp1/volume', '3.0'],
        ['/image/', '/image', '2.0'],
      ]) {
        const answer = await request(documented.app).get(path).set('host', HOST).expect(300).expect('content-type', 'application/json');
        expect(answer.body, path).to.deep.equal(documentFor(mount, id));
        expect(answer.headers['x-openstack-request-id']).to.match(/^req-/);
      }
      const head = await request(documented.app).head('/volume/').set('host', HOST).expect(300);
      expect(head.headers['content-length']).to.equal(String(JSON.stringify(documentFor('/volume', '3.0')).length));
      // Each answered 404 by the local service, which got no token
      expect(local().volume.calls.calls.map((received) => [received.method, received.path, received.status])).to.deep.equal([
        ['GET', '/', 404],
        ['GET', '/', 404],
        ['GET', '/', 404],
        ['GET', '/', 404],
        ['HEAD', '/', 404],
      ]);
      expect(federation.idp.calls.count()).to.equal(0);
    });

    it("answers for a service provider that has none, with a token, and leaves the service's other 404s as they are", async () => {
      federation.cloud('sp1').volume.faults.set({ status: 404 }, 'versions');
      const token = federation.idp.issueToken('alice', 'demo');
      for (const path of ['/sp1/volume/', '/volume/']) {
        const answer = await request(documented.app).get(path).set({ host: HOST, 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(300);
        expect(answer.body, path).to.deep.equal(documentFor(path.slice(0, -1), '3.0'));
        expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
      }
      expect(federation.cloud('sp1').volume.calls.calls.map((received) => [received.path, received.status])).to.deep.equal([
        ['/', 404],
        ['/', 404],
      ]);
      local().volume.faults.set({ status: 404 });
      await request(documented.app).get('/volume/v3/').expect(404);
      await request(documented.app).get(`/volume/v3/${federation.env.idpProjectId}/volumes/nothing`).set('x-auth-token', token).expect(404);
    });

    it('passes the answer of a service that has a version document as it came', async () => {
      const answer = await request(documented.app).get('/volume/').set('host', HOST).expect(300);
      expect(answer.body.versions[0]).to.include({ id: 'v3.0', version: '3.70', min_version: '3.0' });
      expect(selfLinks(answer.body)).to.deep.equal([`http://${HOST}/volume/v3/`]);
    });
  });
});

describe("mountVersion: the version a mount's version document names", () => {
  it("reads the local endpoint's version segment; Glance's unversioned endpoint serves v2; otherwise none", () => {
    expect(mountVersion('volumev3', 'http://host:8776/v3/%(project_id)s')).to.equal('v3');
    expect(mountVersion('volumev3', 'https://host/volume/v3/%(tenant_id)s')).to.equal('v3');
    expect(mountVersion('compute', 'http://host:8774/v2.1')).to.equal('v2.1');
    expect(mountVersion('image', 'http://host:9292')).to.equal('v2');
    expect(mountVersion('image', undefined)).to.equal('v2');
    expect(mountVersion('network', 'http://host:9696')).to.equal(undefined);
    expect(mountVersion('volumev3', undefined)).to.equal(undefined);
  });
});
