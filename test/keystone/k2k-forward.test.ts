import { expect } from 'chai';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { KeystoneAdmin, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { testGateway, userToken, type TestGateway } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { startRealCloudServices } from './real-services.js';

describe('k2kForward, against a real Keystone IdP and SP', function () {
  this.timeout(60_000);
  let env: FederationEnv;
  let memcached: MemcachedServer;
  let store: Store;
  let gateway: TestGateway;
  let services: Awaited<ReturnType<typeof startRealCloudServices>>;
  let token: string;

  before(async () => {
    env = realFederation();
    memcached = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'real-keystone-suite-secret' });
    gateway = testGateway(env, store);
    services = await startRealCloudServices(env);
    token = await userToken(env);
  });

  after(async () => {
    await gateway?.close();
    await store?.close();
    await services?.stop();
    await memcached?.kill();
  });

  beforeEach(() => {
    for (const cloud of [services.idp, services.sp]) {
      cloud.volume.reset();
      cloud.image.reset();
    }
  });

  const volumes = () => `/volume/v3/${env.idpProjectId}/volumes`;
  let routing: Record<string, string>;
  before(() => (routing = { 'SERVICE-PROVIDER': env.spId, 'PROJECT-NAME': env.spProject, 'PROJECT-DOMAIN': 'Default' }));

  it("reaches the SP's service with a token the real SP Keystone validates, scoped to the project asked for", async () => {
    const volume = services.sp.volume.seed(env.spProjectId, { name: 'at-the-sp' });
    const response = await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).set(routing).expect(200);
    expect(response.body.volume.name).to.equal('at-the-sp');
    expect(response.headers['x-k2k-service-provider']).to.equal(env.spId);
    const [received] = services.sp.volume.requests;
    expect(received.path).to.equal(`/v3/${env.spProjectId}/volumes/${volume.id}`);
    const remoteToken = received.headers['x-auth-token'] as string;
    expect(remoteToken).to.not.equal(token);
    // Ask the real SP Keystone directly what that token is.
    const admin = await fetch(`${env.spAuthUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: env.adminUser, domain: { id: 'default' }, password: env.adminPassword } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
    }).then((r) => r.headers.get('x-subject-token') ?? '');
    const validated = (await fetch(`${env.spAuthUrl}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': admin, 'x-subject-token': remoteToken } }).then((r) => r.json())) as {
      token: { project: { id: string }; user: { name: string; 'OS-FEDERATION'?: unknown } };
    };
    expect(validated.token.project.id).to.equal(env.spProjectId);
    expect(validated.token.user.name).to.equal(env.user);
    expect(validated.token.user['OS-FEDERATION']).to.not.equal(undefined);
  });

  it('reuses the cached remote token: no second exchange', async () => {
    const before = gateway.volume.stats().exchanges;
    await request(gateway.app).get(volumes()).set('x-auth-token', token).set(routing).expect(200);
    await request(gateway.app).get(volumes()).set('x-auth-token', token).set(routing).expect(200);
    expect(gateway.volume.stats().exchanges - before).to.be.at.most(1);
  });

  it('chooses the internal endpoint with ENDPOINT-TYPE, and project demo2 by MM-PROJECT-ID', async () => {
    await request(gateway.app).get(volumes()).set('x-auth-token', token).set({ ...routing, 'ENDPOINT-TYPE': 'internalURL' }).expect(200);
    expect(services.sp.volume.requests[0].interface).to.equal('internal');
    await request(gateway.app).get(volumes()).set('x-auth-token', token).set({ 'MM-SERVICE-PROVIDER': env.spId, 'MM-PROJECT-ID': env.spProject2Id }).expect(200);
    expect(services.sp.volume.requests[1].path).to.equal(`/v3/${env.spProject2Id}/volumes`);
  });

  it("scopes to the SP project with the caller's project name when none is named", async () => {
    await request(gateway.app).get(volumes()).set('x-auth-token', token).set('SERVICE-PROVIDER', env.spId).expect(200);
    expect(services.sp.volume.requests[0].path).to.equal(`/v3/${env.spProjectId}/volumes`);
  });

  it('creates at the SP with the body streamed, and reaches its image service', async () => {
    const created = await request(gateway.app).post(volumes()).set('x-auth-token', token).set(routing).send({ volume: { name: 'made-at-sp', size: 1 } }).expect(202);
    expect(created.body.volume.name).to.equal('made-at-sp');
    const image = services.sp.image.seed(env.spProjectId, { name: 'sp-image' });
    const shown = await request(gateway.app).get(`/image/v2/images/${image.id}`).set('x-auth-token', token).set(routing).expect(200);
    expect(shown.body.name).to.equal('sp-image');
  });

  it('keeps a request for a local volume local, with the user token the real IdP validates', async () => {
    const volume = services.idp.volume.seed(env.idpProjectId, { name: 'at-home' });
    await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(200);
    expect(services.idp.volume.requests[0].headers['x-auth-token']).to.equal(token);
    expect(services.sp.volume.requests).to.have.length(0);
  });

  it('lists the volumes of both clouds as one, paging with next links', async () => {
    const names = ['agg-a', 'agg-b', 'agg-c'];
    services.idp.volume.seed(env.idpProjectId, { name: names[0] });
    services.sp.volume.seed(env.spProjectId, { name: names[1] });
    services.sp.volume.seed(env.spProjectId, { name: names[2] });
    const seen: string[] = [];
    let path: string | undefined = `${volumes()}/detail?limit=2&sort=name:asc`;
    for (let page = 0; path && page < 20; page++) {
      const answer: request.Response = await request(gateway.app).get(path).set('x-auth-token', token).expect(200);
      seen.push(...(answer.body.volumes as { name: string }[]).map((v) => v.name));
      const next: string | undefined = answer.body.volumes_links?.[0]?.href;
      path = next && `${new URL(next).pathname}${new URL(next).search}`;
    }
    expect(seen.filter((name) => names.includes(name))).to.deep.equal(names);
  });

  it("answers the real Keystones' refusals: locked project 403, unknown SP 400", async () => {
    const locked = await request(gateway.app).get(volumes()).set('x-auth-token', token).set({ ...routing, 'PROJECT-NAME': env.spLockedProject }).expect(403);
    expect(locked.body.error.message).to.include(`not available to you at service provider ${env.spId}`);
    await request(gateway.app).get(volumes()).set('x-auth-token', token).set('SERVICE-PROVIDER', 'nope').expect(400);
  });

  describe('without routing headers: search, learned locations, qualified ids', () => {
    it("finds a volume at the SP by search, learns it, and goes straight there the next time", async () => {
      const volume = services.sp.volume.seed(env.spProjectId, { name: 'found-by-search' });
      const first = await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(200);
      expect(first.headers['x-k2k-service-provider']).to.equal(env.spId);
      expect(services.idp.volume.requests.map((r) => r.method)).to.deep.equal(['GET']); // the local probe: 404
      services.idp.volume.reset();
      services.sp.volume.reset();
      await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(200);
      expect(services.idp.volume.requests).to.have.length(0);
      expect(services.sp.volume.requests).to.have.length(1);
    });

    it('sends `<id>@<sp>` to the SP with the bare id, and creates `name@sp` there under the bare name', async () => {
      const volume = services.sp.volume.seed(env.spProjectId, { name: 'qualified' });
      await request(gateway.app).get(`${volumes()}/${volume.id}@${env.spId}`).set('x-auth-token', token).expect(200);
      expect(services.sp.volume.requests[0].path).to.equal(`/v3/${env.spProjectId}/volumes/${volume.id}`);
      const created = await request(gateway.app).post(volumes()).set('x-auth-token', token).send({ volume: { name: `made@${env.spId}`, size: 1 } }).expect(202);
      expect(created.headers['x-k2k-service-provider']).to.equal(env.spId);
      expect(created.body.volume.name).to.equal('made');
    });

    it('creates at the SP with a routing header, then shows, updates and deletes with no header: the learned location, no search', async () => {
      const created = await request(gateway.app).post(volumes()).set('x-auth-token', token).set(routing).send({ volume: { name: 'learned-at-create', size: 1 } }).expect(202);
      const id = created.body.volume.id as string;
      services.sp.volume.reset();
      const shown = await request(gateway.app).get(`${volumes()}/${id}`).set('x-auth-token', token).expect(200);
      expect(shown.headers['x-k2k-service-provider']).to.equal(env.spId);
      expect(shown.body.volume.name).to.equal('learned-at-create');
      await request(gateway.app).put(`${volumes()}/${id}`).set('x-auth-token', token).send({ volume: { name: 'renamed' } }).expect(200);
      expect(services.sp.volume.volumes.get(id)?.name).to.equal('renamed');
      await request(gateway.app).delete(`${volumes()}/${id}`).set('x-auth-token', token).expect(202);
      expect(services.sp.volume.volumes.has(id)).to.equal(false);
      const atSp = `/v3/${env.spProjectId}/volumes/${id}`;
      expect(services.sp.volume.requests.map((r) => `${r.method} ${r.path}`)).to.deep.equal([`GET ${atSp}`, `PUT ${atSp}`, `DELETE ${atSp}`]);
      // A search would have probed the local cloud first.
      expect(services.idp.volume.requests, 'requests at the local cloud').to.have.length(0);
    });

    it('forgets a learned location whose volume was deleted at the SP behind its back: 404, and a DELETE then goes nowhere', async () => {
      const volume = services.sp.volume.seed(env.spProjectId, { name: 'deleted-behind-the-back' });
      await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).set(routing).expect(200);
      services.sp.volume.volumes.delete(volume.id);
      services.sp.volume.reset();
      await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(404);
      // The learned place answered 404, then one search: the local probe, then the SP's.
      expect(services.sp.volume.requests.map((r) => r.method)).to.deep.equal(['GET', 'GET']);
      expect(services.idp.volume.requests.map((r) => r.method)).to.deep.equal(['GET']);
      // Still learned, the DELETE would go to the SP; forgotten, a mutation is never searched for.
      await request(gateway.app).delete(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(404);
      expect([...services.idp.volume.requests, ...services.sp.volume.requests].filter((r) => r.method === 'DELETE')).to.have.length(0);
    });

    it('heals a learned location when the volume moved: the SP says 404, the search finds it at home, and home is learned', async () => {
      const volume = services.sp.volume.seed(env.spProjectId, { name: 'moving' });
      await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).set(routing).expect(200);
      services.sp.volume.volumes.delete(volume.id);
      services.idp.volume.seed(env.idpProjectId, { id: volume.id, name: 'moved-home' });
      const moved = await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(200);
      expect(moved.body.volume.name).to.equal('moved-home');
      services.idp.volume.reset();
      services.sp.volume.reset();
      await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(200);
      expect(services.idp.volume.requests, 'a search would add a probe').to.have.length(1);
      expect(services.sp.volume.requests).to.have.length(0);
    });

    it('answers 404 for an id no cloud has, and sends its DELETE nowhere', async () => {
      await request(gateway.app).delete(`${volumes()}/00000000-0000-4000-8000-00000000dead`).set('x-auth-token', token).expect(404);
      expect([...services.idp.volume.requests, ...services.sp.volume.requests].filter((r) => r.method === 'DELETE')).to.have.length(0);
    });

    describe("another IdP user, in another project (demo2, which is demo2 at the SP too)", () => {
      const other = { name: 'k2k-other-user', password: 'otherpw' };
      let idpAdmin: KeystoneAdmin;
      let otherUserId: string | undefined;
      let otherProjectId: string;
      let otherToken: string;

      before(async () => {
        idpAdmin = await KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin');
        ({ user: { id: otherUserId } } = await idpAdmin.call<{ user: { id: string } }>('POST', '/users', { user: { ...other, domain_id: 'default' } }));
        otherProjectId = await idpAdmin.createProject(env.spProject2, other.name);
        otherToken = await userToken(env, env.spProject2, other);
      });

      after(async () => {
        try {
          if (otherUserId) await idpAdmin.call('DELETE', `/users/${otherUserId}`);
        } finally {
          await idpAdmin?.undo();
        }
      });

      it("does not reach a volume the demo project's caller learned: 404, probed in its own projects only, and demo's mapping stays", async () => {
        const volume = services.sp.volume.seed(env.spProjectId, { name: 'demo-only' });
        await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).set(routing).expect(200);
        services.sp.volume.reset();
        await request(gateway.app).get(`/volume/v3/${otherProjectId}/volumes/${volume.id}`).set('x-auth-token', otherToken).expect(404);
        expect(services.idp.volume.requests.map((r) => r.path)).to.deep.equal([`/v3/${otherProjectId}/volumes/${volume.id}`]);
        expect(services.sp.volume.requests.map((r) => r.path)).to.deep.equal([`/v3/${env.spProject2Id}/volumes/${volume.id}`]);
        // The other project's 404 did not touch demo's mapping: straight to the SP, no search.
        services.idp.volume.reset();
        services.sp.volume.reset();
        await request(gateway.app).get(`${volumes()}/${volume.id}`).set('x-auth-token', token).expect(200);
        expect(services.idp.volume.requests).to.have.length(0);
        expect(services.sp.volume.requests.map((r) => r.path)).to.deep.equal([`/v3/${env.spProjectId}/volumes/${volume.id}`]);
      });
    });
  });
});
