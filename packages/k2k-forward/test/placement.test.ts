import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { startFederation, startMemcached, type Cloud, type Federation, type MemcachedServer } from '@k2k/testing';
import type { K2KForwardOptions, LocationEvent, PlacementCandidate, PlacementEvent, SearchEvent } from '../src/index.js';
import { testGateway, userToken, type TestGateway } from './gateway-fixture.js';

/**
 * Placement of creates that name no cloud (DESIGN "Discovery and placement") through a gateway on
 * the simulated federation (the IdP's own cloud and three SPs, each with its own volume quota) and
 * a real memcached: each policy's choice, the skip of a cloud that cannot be reached, no second
 * create after a timeout, and the new volume learned where it was placed.
 */
describe('k2kForward: placement of creates', () => {
  let federation: Federation;
  let memcached: MemcachedServer;
  const stores: Store[] = [];
  let token: string;
  const gateways: TestGateway[] = [];
  let placements: PlacementEvent[];

  /** GiB quota per cloud: local 20, sp1 100, sp2 500, sp3 50 */
  const QUOTA_GB: Record<string, number> = { idp: 20, sp1: 100, sp2: 500, sp3: 50 };
  const COST = { default: 5, sp1: 1, sp2: 3, sp3: 0.5 };

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1', 'sp2', 'sp3'] }), startMemcached()]);
    token = await userToken(federation.env);
  });

  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all([federation.close(), memcached.kill()]);
  });

  beforeEach(() => {
    placements = [];
    for (const cloud of federation.clouds) {
      cloud.volume.volumes.clear();
      cloud.volume.faults.clear();
      cloud.volume.reset();
      cloud.volume.setQuota(demoOf(cloud), { gigabytes: QUOTA_GB[cloud.name] });
    }
  });

  const demoOf = (cloud: Cloud) => (cloud.name === 'idp' ? federation.env.idpProjectId : cloud.projects.demo.id);
  const volumesPath = (id = '') => `/volume/v3/${federation.env.idpProjectId}/volumes${id && `/${id}`}`;
  const creates = (cloud: Cloud) => cloud.volume.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/volumes')).length;

  /** A gateway with a store of its own (its own secret, so its own keys): no health or location seen by another test's gateway. */
  function gatewayWith(options: Partial<K2KForwardOptions>): TestGateway {
    const store = createStore({ backend: 'memcached', servers: [memcached.location], secret: `k2k-placement-tests-secret-${stores.length}-0123` });
    stores.push(store);
    const gateway = testGateway(federation.env, store, { targetMetadata: { default: { cost: COST.default }, sp1: { cost: COST.sp1 }, sp2: { cost: COST.sp2 }, sp3: { cost: COST.sp3 } }, ...options });
    gateway.volume.events.on('placement', (event: PlacementEvent) => placements.push(event));
    gateways.push(gateway);
    return gateway;
  }

  const create = (gateway: TestGateway, size: number, name = 'placed') =>
    request(gateway.app).post(volumesPath()).set('x-auth-token', token).send({ volume: { name, size } });

  it('local (the default) places nothing: a create with no header stays local, as before', async () => {
    const gateway = gatewayWith({});
    const created = await create(gateway, 1).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal(undefined);
    expect(creates(federation.cloud('idp'))).to.equal(1);
    expect(placements).to.deep.equal([]);
  });

  it('headroom: the cloud with the most quota left for the requested size (sp2, 500 GiB)', async () => {
    const gateway = gatewayWith({ placement: 'headroom' });
    const created = await create(gateway, 10).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(creates(federation.cloud('sp2'))).to.equal(1);
    expect(federation.cloud('sp2').volume.volumes.size).to.equal(1);
    expect(placements).to.deep.equal([{ policy: 'headroom', target: 'sp2', skipped: [] }]);
    // usage counts: fill sp2 up to 45 GiB left, and sp1 (90 left) has the most room for 10 GiB
    federation.cloud('sp2').volume.seed(demoOf(federation.cloud('sp2')), { size: 445 });
    expect((await create(gateway, 10).expect(202)).headers['x-k2k-service-provider']).to.equal('sp1');
  });

  it('headroom: 413 naming the clouds when none has quota left for the size', async () => {
    const gateway = gatewayWith({ placement: 'headroom' });
    const refused = await create(gateway, 600).expect(413);
    expect(refused.body.error).to.include({ code: 413, title: 'Payload Too Large' });
    expect(refused.body.error.message).to.match(/No cloud you may use has quota left for this volume \(default, sp1, sp2, sp3\)/);
    for (const cloud of federation.clouds) expect(creates(cloud)).to.equal(0);
  });

  it('cheapest: the lowest cost among the clouds with room (sp3 is cheaper but full for 60 GiB: sp1)', async () => {
    const gateway = gatewayWith({ placement: 'cheapest' });
    expect((await create(gateway, 5).expect(202)).headers['x-k2k-service-provider']).to.equal('sp3');
    expect((await create(gateway, 60).expect(202)).headers['x-k2k-service-provider']).to.equal('sp1');
    expect(placements.flatMap((p) => ('target' in p ? [p.target] : []))).to.deep.equal(['sp3', 'sp1']);
  });

  it('spread: takes turns over the local cloud and every SP', async () => {
    const gateway = gatewayWith({ placement: 'spread' });
    const answered: string[] = [];
    for (let i = 0; i < 4; i++) answered.push((await create(gateway, 1, `s${i}`).expect(202)).headers['x-k2k-service-provider']);
    expect(answered).to.deep.equal(['default', 'sp1', 'sp2', 'sp3']);
    for (const cloud of federation.clouds) expect(creates(cloud), cloud.name).to.equal(1);
  });

  it('fastest: the healthy cloud that answered fastest lately (sp2), seen from ordinary traffic', async () => {
    const gateway = gatewayWith({ placement: 'fastest' });
    for (const name of ['idp', 'sp1', 'sp3']) federation.cloud(name).volume.faults.set({ latencyMs: 300 }, 'volumes.list');
    for (const cloud of ['default', 'sp1', 'sp2', 'sp3']) {
      await request(gateway.app).get(volumesPath()).set('x-auth-token', token).set('service-provider', cloud).expect(200);
    }
    const created = await create(gateway, 1).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('sp2');
  });

  it('an SP that cannot be reached before the create is sent is skipped for the next candidate', async () => {
    // cheapest: sp3 first (its quota cannot be read while it is down: not known to be full)
    const gateway = gatewayWith({ placement: 'cheapest' });
    await federation.cloud('sp3').volume.down();
    try {
      const created = await create(gateway, 10).expect(202);
      expect(created.headers['x-k2k-service-provider']).to.equal('sp1');
      expect(placements).to.deep.equal([{ policy: 'cheapest', target: 'sp1', skipped: ['sp3'] }]);
      expect(creates(federation.cloud('sp1'))).to.equal(1);
      for (const name of ['idp', 'sp2']) expect(creates(federation.cloud(name))).to.equal(0);
      // sp3 now counts as unhealthy: the next create goes to sp1 without trying sp3 first
      placements = [];
      await create(gateway, 10).expect(202);
      expect(placements).to.deep.equal([{ policy: 'cheapest', target: 'sp1', skipped: [] }]);
    } finally {
      await federation.cloud('sp3').volume.up();
    }
  });

  it('a create that may have reached an SP is never sent again elsewhere: a timeout is the answer (504)', async () => {
    const gateway = gatewayWith({ placement: 'headroom', timeoutMs: 300, probeTimeoutMs: 300 });
    federation.cloud('sp2').volume.faults.set({ latencyMs: 1500 }, 'volumes.create');
    const refused = await create(gateway, 10).expect(504);
    expect(refused.body.error.message).to.include('service provider sp2');
    await sleep(1600); // sp2 takes the create after its latency: let it, then count
    for (const name of ['idp', 'sp1', 'sp3']) expect(creates(federation.cloud(name)), name).to.equal(0);
    expect(placements).to.deep.equal([]);
  });

  it('learns the new volume where it was placed: the next request without a header goes straight there', async () => {
    const gateway = gatewayWith({ placement: 'headroom' });
    const learned: LocationEvent[] = [];
    const searches: SearchEvent[] = [];
    gateway.volume.events.on('location', (event: LocationEvent) => learned.push(event));
    gateway.volume.events.on('search', (event: SearchEvent) => searches.push(event));
    const learnedNow = once(gateway.volume.events, 'location'); // a create is learned from its answer, once written
    const created = await create(gateway, 10).expect(202);
    const id = created.body.volume.id as string;
    await learnedNow;
    expect(learned).to.deep.include({ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp2' });
    for (const cloud of federation.clouds) cloud.volume.reset();
    const shown = await request(gateway.app).get(volumesPath(id)).set('x-auth-token', token).expect(200);
    expect(shown.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(shown.body.volume.id).to.equal(id);
    expect(searches).to.deep.equal([]);
    for (const name of ['idp', 'sp1', 'sp3']) expect(federation.cloud(name).volume.requests).to.have.length(0);
  });

  it('a function policy sees only the targets the caller may use, with their health, quotas and metadata', async () => {
    const seen: PlacementCandidate[][] = [];
    const gateway = gatewayWith({
      placement: (placed, candidates) => {
        seen.push([...candidates]);
        expect(placed).to.deep.include({ serviceType: 'block-storage', resourceType: 'volumes', projectId: federation.env.idpProjectId });
        expect(placed.created).to.include({ size: 3 });
        return candidates.filter((c) => c.kind === 'service-provider').map((c) => c.name).reverse();
      },
      serviceProviders: ['sp1', 'sp3'],
    });
    const created = await create(gateway, 3).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('sp3');
    expect(seen).to.have.length(1);
    expect(seen[0].map((c) => c.name)).to.deep.equal(['default', 'sp1', 'sp3']);
    const sp1 = seen[0].find((c) => c.name === 'sp1') as PlacementCandidate;
    expect(sp1.quota).to.deep.equal({ volumes: { limit: 10, used: 0 }, gigabytes: { limit: 100, used: 0 } });
    expect(sp1.leftAfter).to.deep.equal([97, 9]);
    expect(sp1.metadata).to.deep.equal({ cost: COST.sp1 });
    expect(creates(federation.cloud('sp2'))).to.equal(0);
  });

  it('the endpoint policy trims the candidates too: a built-in policy never sends a create where it refuses', async () => {
    const seen: string[][] = [];
    const policy = { rules: [{ projects: ['demo'], serviceProviders: ['sp3'] }] };
    const byFunction = gatewayWith({ endpointPolicy: policy, placement: (_placed, candidates) => void seen.push(candidates.map((c) => c.name)) });
    await create(byFunction, 1).expect(202);
    expect(seen).to.deep.equal([['default', 'sp3']]);
    // headroom would pick sp2 (500 GiB) if it could: the policy leaves sp3 (50) and the local cloud (20)
    const byHeadroom = gatewayWith({ endpointPolicy: policy, placement: 'headroom' });
    expect((await create(byHeadroom, 10).expect(202)).headers['x-k2k-service-provider']).to.equal('sp3');
    for (const name of ['sp1', 'sp2']) expect(creates(federation.cloud(name)), name).to.equal(0);
  });

  it('a function choosing a cloud the caller may not use is refused (500), and nothing is sent', async () => {
    const gateway = gatewayWith({ placement: () => 'sp2', serviceProviders: ['sp1'] });
    const refused = await create(gateway, 1).expect(500);
    expect(refused.body.error.message).to.include('"sp2", which is not one of the clouds this caller may use (default, sp1)');
    for (const cloud of federation.clouds) expect(creates(cloud)).to.equal(0);
  });

  it('routing headers and qualified names still decide: no placement then', async () => {
    const gateway = gatewayWith({ placement: 'headroom' });
    expect((await create(gateway, 1).set('service-provider', 'sp3').expect(202)).headers['x-k2k-service-provider']).to.equal('sp3');
    expect((await create(gateway, 1, 'db@sp1').expect(202)).headers['x-k2k-service-provider']).to.equal('sp1');
    expect(placements).to.deep.equal([]);
  });
});
