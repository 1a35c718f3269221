import { expect } from 'chai';
import request from 'supertest';
import type { Store } from '@k2k/store';
import type { Cloud, Federation, MemcachedServer } from '@k2k/testing';
import type { LocationEvent, ProbeEvent } from '../src/index.js';
import { startFederatedGateway, testGateway, until, type FederatedGateway, type TestGateway } from './gateway-fixture.js';

/**
 * Rules 2-4 and step 7 (DESIGN "One request", "Learned locations") through a gateway on the
 * simulated federation and a real memcached: no routing header, and the request still reaches the
 * cloud that holds the resource; what one request learns, the next uses without a probe.
 */
describe('k2kForward: learned locations, search and qualified ids', () => {
  let federation: Federation;
  let memcached: MemcachedServer;
  let gateway: TestGateway;
  let token: string;
  let probes: ProbeEvent[];
  let locations: LocationEvent[];

  let setup: FederatedGateway;

  before(async () => {
    setup = await startFederatedGateway({ maxSearchesPerCaller: 2 });
    ({ federation, memcached, gateway, token } = setup);
    gateway.volume.events.on('probe', (event: ProbeEvent) => probes.push(event));
    gateway.volume.events.on('location', (event: LocationEvent) => locations.push(event));
  });

  after(() => setup.close());

  beforeEach(() => {
    probes = [];
    locations = [];
    for (const cloud of federation.clouds) {
      cloud.volume.faults.clear();
      cloud.volume.reset();
      cloud.image.reset();
    }
  });

  const idp = () => federation.cloud('idp');
  const sp = (name: string) => federation.cloud(name);
  const volumesPath = (id = '') => `/volume/v3/${federation.env.idpProjectId}/volumes${id && `/${id}`}`;
  const get = (path: string, as = token) => request(gateway.app).get(path).set('x-auth-token', as);
  /** Requests a cloud's volume service received, by method. */
  const received = (cloud: Cloud, method = 'GET') => cloud.volume.requests.filter((r) => r.method === method).length;
  const seedAt = (cloud: Cloud, project = 'demo', name = 'v') => cloud.volume.seed(cloud.projects[project].id, { name });
  /** A read a search routed is answered by the first claimant; the search learns once every probe is in, maybe after. */
  const searchLearned = () => until(() => locations.some((event) => event.action === 'learned'));

  it('finds a resource created behind its back, learns it, and goes straight there the next time', async () => {
    const volume = seedAt(sp('sp2'));
    const first = await get(volumesPath(volume.id)).expect(200);
    expect(first.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(first.body.volume.id).to.equal(volume.id);
    expect(received(idp())).to.equal(1); // the local probe, first
    await searchLearned();
    expect(probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`).sort()).to.deep.equal(['local:missing', 'sp1:missing', 'sp2:found']);
    expect(locations).to.deep.include({ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp2' });

    for (const cloud of federation.clouds) cloud.volume.reset();
    probes = [];
    await get(volumesPath(volume.id)).expect(200);
    expect(probes).to.deep.equal([]);
    expect([received(idp()), received(sp('sp1')), received(sp('sp2'))]).to.deep.equal([0, 0, 1]);
  });

  it('creates with a routing header, then shows, updates and deletes with none', async () => {
    const created = await request(gateway.app)
      .post(volumesPath())
      .set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'content-type': 'application/json' })
      .send({ volume: { size: 1, name: 'made-here' } })
      .expect(202);
    const id = created.body.volume.id as string;
    await until(() => locations.length > 0); // a create is learned from its answer's body, once it is sent
    expect(locations).to.deep.include({ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp1' });
    await get(volumesPath(id)).expect(200);
    await request(gateway.app).put(volumesPath(id)).set({ 'x-auth-token': token, 'content-type': 'application/json' }).send({ volume: { name: 'renamed' } }).expect(200);
    await request(gateway.app).delete(volumesPath(id)).set('x-auth-token', token).expect(202);
    expect(probes).to.deep.equal([]);
    expect(sp('sp1').volume.requests.map((r) => r.method)).to.deep.equal(['POST', 'GET', 'PUT', 'DELETE']);
    expect(received(idp()) + received(sp('sp2'))).to.equal(0);
    expect(locations.at(-1)).to.deep.equal({ action: 'forgotten', resourceType: 'volumes' });
  });

  it("stores a create's new id before the answer ends: the next request, on another instance on the store, goes straight there", async () => {
    // The creating instance's store writes take a while (a busy memcached, a far one): without
    // waiting for its write, the answer would reach the client first.
    const slowWrites: Store = Object.create(setup.store, {
      set: { value: (key: string, value: Buffer, ttl: number) => new Promise((resolve) => setTimeout(resolve, 50)).then(() => setup.store.set(key, value, ttl)) },
    });
    const creator = testGateway(federation.env, slowWrites);
    const other = testGateway(federation.env, setup.store);
    other.volume.events.on('probe', (event: ProbeEvent) => probes.push(event));
    sp('sp1').volume.setQuota(sp('sp1').projects.demo.id, { volumes: -1, gigabytes: -1 });
    try {
      for (let i = 0; i < 20; i++) {
        const created = await request(creator.app)
          .post(volumesPath())
          .set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'content-type': 'application/json' })
          .send({ volume: { size: 1, name: `made-${i}` } })
          .expect(202);
        const shown = await request(other.app).get(volumesPath(created.body.volume.id)).set('x-auth-token', token).expect(200);
        expect(shown.headers['x-k2k-service-provider']).to.equal('sp1');
      }
      expect(probes).to.deep.equal([]);
    } finally {
      await Promise.all([creator.close(), other.close()]);
    }
  });

  it('learns every item of a list answer', async () => {
    const volume = seedAt(sp('sp1'), 'demo', 'listed');
    await get(volumesPath()).set('SERVICE-PROVIDER', 'sp1').expect(200);
    await until(() => locations.length > 0);
    sp('sp1').volume.reset();
    await get(volumesPath(volume.id)).expect(200);
    expect(probes).to.deep.equal([]);
    expect(received(sp('sp1'))).to.equal(1);
  });

  it('heals a stale location: a 404 where it pointed forgets it and searches once more', async () => {
    const volume = seedAt(sp('sp1'));
    await get(volumesPath(volume.id)).expect(200);
    await searchLearned();
    // The volume moves to sp2 under the same id.
    sp('sp1').volume.volumes.delete(volume.id);
    sp('sp2').volume.volumes.set(volume.id, { ...volume, projectId: sp('sp2').projects.demo.id });
    probes = [];
    const moved = await get(volumesPath(volume.id)).expect(200);
    expect(moved.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(probes.filter((p) => p.outcome === 'found')).to.deep.equal([{ serviceProvider: 'sp2', outcome: 'found' }]);
  });

  it('answers 404 for an id found nowhere, remembers that a while, and sends a DELETE nowhere', async () => {
    const unknown = '0badc0de-0000-4000-8000-000000000000';
    const answer = await request(gateway.app).delete(volumesPath(unknown)).set('x-auth-token', token).expect(404);
    expect(answer.body.error.message).to.match(/No cloud has volumes 0badc0de/);
    for (const cloud of federation.clouds) expect(received(cloud, 'DELETE'), cloud.name).to.equal(0);
    expect(probes).to.have.length(3);
    probes = [];
    await get(volumesPath(unknown)).expect(404);
    expect(probes).to.deep.equal([]);
  });

  it("does not reach a resource in another of the caller's remote projects", async () => {
    const elsewhere = seedAt(sp('sp1'), 'demo2');
    await get(volumesPath(elsewhere.id)).expect(404);
    expect(probes.every((p) => p.outcome !== 'found')).to.equal(true);
  });

  it("keeps one project's locations apart from another's", async () => {
    const volume = seedAt(sp('sp1'));
    await get(volumesPath(volume.id)).expect(200);
    await searchLearned();
    const other = await tokenForProject('demo2');
    await get(`/volume/v3/${idp().projects.demo2.id}/volumes/${volume.id}`, other).expect(404); // demo2 at sp1 holds no such volume
    probes = [];
    await get(volumesPath(volume.id)).expect(200);
    expect(probes).to.deep.equal([]);
  });

  it('sends `<id>@<sp>` there with the bare id, and `<id>@<local name>` to the local cloud', async () => {
    const remote = seedAt(sp('sp2'));
    await get(volumesPath(`${remote.id}@sp2`)).expect(200);
    expect(sp('sp2').volume.requests[0].path).to.equal(`/v3/${sp('sp2').projects.demo.id}/volumes/${remote.id}`);
    const local = seedAt(idp());
    const answer = await get(volumesPath(`${local.id}%40default`)).expect(200);
    expect(answer.headers).to.not.have.property('x-k2k-service-provider');
    expect(probes).to.deep.equal([]);
    const unknown = await get(volumesPath(`${remote.id}@sp9`)).expect(400);
    expect(unknown.body.error.message).to.match(/Unknown service provider "sp9"/);
  });

  it('creates `name@sp` there under the bare name, and learns it', async () => {
    const created = await request(gateway.app).post(volumesPath()).set('x-auth-token', token).send({ volume: { size: 1, name: 'backup@sp2' } }).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(created.body.volume.name).to.equal('backup');
    expect(sp('sp2').volume.volumes.get(created.body.volume.id)?.name).to.equal('backup');
    await until(() => locations.length > 0);
    await get(volumesPath(created.body.volume.id)).expect(200);
    expect(probes).to.deep.equal([]);
    // A name whose suffix names no cloud is just a name.
    const plain = await request(gateway.app).post(volumesPath()).set('x-auth-token', token).send({ volume: { size: 1, name: 'me@home' } }).expect(202);
    expect(plain.body.volume.name).to.equal('me@home');
    expect(plain.headers).to.not.have.property('x-k2k-service-provider');
  });

  it("a stale learned location at an SP, the resource found at home: the local service gets the caller's own token, never the SP's", async () => {
    const volume = seedAt(sp('sp1'));
    await get(volumesPath(volume.id)).expect(200);
    await searchLearned();
    sp('sp1').volume.volumes.delete(volume.id); // moved home meanwhile
    idp().volume.seed(federation.env.idpProjectId, { id: volume.id, name: 'moved-home' });
    const moved = await get(volumesPath(volume.id)).set('authorization', 'Basic a2syazpzZWNyZXQ=').expect(200);
    expect(moved.headers['x-k2k-service-provider']).to.equal(undefined);
    expect(moved.body.volume.name).to.equal('moved-home');
    const atHome = idp().volume.requests.filter((r) => r.method === 'GET');
    expect(atHome.map((r) => r.headers['x-auth-token'])).to.deep.equal(atHome.map(() => token));
    expect(atHome.at(-1)?.headers.authorization).to.equal('Basic a2syazpzZWNyZXQ=');
    // the SP was asked first, with its own token and without the caller's other credentials
    const atSp = sp('sp1').volume.requests.at(-1);
    expect(atSp?.headers['x-auth-token']).to.not.equal(token);
    expect(atSp?.headers.authorization).to.equal(undefined);
  });

  it('costs probes, never a wrong answer, when the store forgets everything', async () => {
    const volume = seedAt(sp('sp1'));
    await get(volumesPath(volume.id)).expect(200);
    await searchLearned();
    await memcached.flush();
    probes = [];
    // This process keeps what it learned for a few seconds; another one on the store must search.
    const again = await get(volumesPath(volume.id)).expect(200);
    expect(again.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(probes).to.deep.equal([]);
    const other = testGateway(federation.env, setup.store);
    other.volume.events.on('probe', (event: ProbeEvent) => probes.push(event));
    try {
      const elsewhere = await request(other.app).get(volumesPath(volume.id)).set('x-auth-token', token).expect(200);
      expect(elsewhere.headers['x-k2k-service-provider']).to.equal('sp1');
      expect(probes.some((p) => p.serviceProvider === 'sp1' && p.outcome === 'found')).to.equal(true);
    } finally {
      await other.close();
    }
  });

  it('shares one search among concurrent requests for the same unknown id, counted once against the cap', async () => {
    const volume = seedAt(sp('sp2'));
    sp('sp2').volume.faults.set({ latencyMs: 100 }, 'volumes.show'); // keeps the search under way while the others arrive
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(volumesPath(volume.id))));
    expect(answers.map((a) => a.status)).to.deep.equal(Array(10).fill(200)); // maxSearchesPerCaller is 2 here
    expect(probes.filter((p) => p.serviceProvider === 'sp2')).to.have.length(1);
  });

  it("caps a caller's concurrent searches (429 beyond)", async () => {
    sp('sp1').volume.faults.set({ latencyMs: 400 }, 'volumes.show');
    const ids = ['a', 'b', 'c'].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`);
    const answers = await Promise.all(ids.map((id) => get(volumesPath(id))));
    expect(answers.map((a) => a.status).sort()).to.deep.equal([404, 404, 429]);
  });

  it('answers 400 when SERVICE-PROVIDER and MM-SERVICE-PROVIDER disagree', async () => {
    const answer = await get(volumesPath()).set({ 'SERVICE-PROVIDER': 'sp1', 'MM-SERVICE-PROVIDER': 'sp2' }).expect(400);
    expect(answer.body.error.message).to.match(/SERVICE-PROVIDER \(sp1\) and MM-SERVICE-PROVIDER \(sp2\)/);
  });

  async function tokenForProject(name: string): Promise<string> {
    const directory = idp().keystone.directory;
    if (!idp().projects[name]) {
      idp().projects[name] = directory.addProject(name);
      const alice = directory.user({ name: federation.env.user, domain: { name: 'Default' } });
      directory.grant('member', alice?.id ?? '', idp().projects[name].id);
    }
    const response = await fetch(`${federation.env.idpAuthUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: federation.env.user, domain: { name: 'Default' }, password: federation.env.userPassword } } },
          scope: { project: { name, domain: { name: 'Default' } } },
        },
      }),
    });
    await response.body?.cancel();
    return response.headers.get('x-subject-token') ?? '';
  }
});
