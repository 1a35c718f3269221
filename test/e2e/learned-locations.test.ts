import { expect } from 'chai';
import { createStore, ResourceMap, type Store } from '@k2k/store';
import { startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import type { ServerProcess } from '../support/server-process.js';
import { GATEWAY_STORE_SECRET, startGatewayProcess } from './support/processes.js';

/**
 * Issue 11's flows (DESIGN "Learned locations") on two gateway worker processes sharing a real
 * memcached: no routing header, requests alternating between the workers (each its own process
 * and port), and what one worker learns, the other uses. Probes are counted where they land: at
 * the fake services.
 */
describe('learned locations across two gateway worker processes', function () {
  this.timeout(30_000);
  let federation: Federation;
  let memcached: MemcachedServer;
  let workers: ServerProcess[];
  /** The workers' store, read directly: to wait until what one worker learned is there for the other */
  let store: Store;
  let token: string;

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
    workers = await Promise.all([0, 1].map(() => startGatewayProcess(federation.env, memcached.location)));
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: GATEWAY_STORE_SECRET });
    token = await userToken(federation.env);
  });

  after(async () => {
    await store.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all([federation.close(), memcached.kill()]);
  });

  beforeEach(() => {
    for (const cloud of federation.clouds) cloud.volume.reset();
  });

  const sp = (name: string) => federation.cloud(name);
  const volumesPath = (id = '') => `/volume/v3/${federation.env.idpProjectId}/volumes${id && `/${id}`}`;
  /** A request through worker 0 or 1, as the caller, with no routing header unless given. */
  async function send(worker: number, method: string, path: string, extra: { headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; serviceProvider: string | null; body: Record<string, { id?: string; name?: string }> }> {
    const headers = { 'x-auth-token': token, ...(extra.body !== undefined && { 'content-type': 'application/json' }), ...extra.headers };
    const response = await fetch(`${workers[worker].url}${path}`, { method, headers, ...(extra.body !== undefined && { body: JSON.stringify(extra.body) }) });
    const text = await response.text();
    return { status: response.status, serviceProvider: response.headers.get('x-k2k-service-provider'), body: text ? JSON.parse(text) : {} };
  }
  /** What each cloud's volume service received since the last reset, as `<cloud>:<methods>`. */
  const received = () => federation.clouds.map((cloud) => `${cloud.name}:${cloud.volume.requests.map((r) => r.method).join(',')}`);
  const resetServices = () => federation.clouds.forEach((cloud) => cloud.volume.reset());
  /** Waits (bounded) until the shared store holds a location for the volume: a create is learned just after it is answered. */
  async function learned(id: string): Promise<void> {
    const map = new ResourceMap(store);
    const key = { projectId: federation.env.idpProjectId, serviceType: 'block-storage', resourceType: 'volumes', resourceId: id };
    for (let i = 0; i < 100 && (await map.find(key))?.kind !== 'found'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('creates through one worker with a routing header, then shows, updates and deletes through both with none', async () => {
    const created = await send(0, 'POST', volumesPath(), { headers: { 'SERVICE-PROVIDER': 'sp1' }, body: { volume: { size: 1, name: 'made-through-a-worker' } } });
    expect(created.status).to.equal(202);
    const id = created.body.volume.id as string;
    await learned(id);
    resetServices();
    const shown = await send(1, 'GET', volumesPath(id));
    expect([shown.status, shown.serviceProvider, shown.body.volume.name]).to.deep.equal([200, 'sp1', 'made-through-a-worker']);
    expect((await send(0, 'PUT', volumesPath(id), { body: { volume: { name: 'renamed' } } })).status).to.equal(200);
    expect((await send(1, 'DELETE', volumesPath(id))).status).to.equal(202);
    // The learned location, at both workers: no probe anywhere, nothing but the SP's own calls.
    expect(received()).to.deep.equal(['idp:', 'sp1:GET,PUT,DELETE', 'sp2:']);
    expect(sp('sp1').volume.volumes.has(id)).to.equal(false);
  });

  it('finds a volume created behind its back through one worker, and the other uses what it learned without a probe', async () => {
    const sp2 = sp('sp2');
    const volume = sp2.volume.seed(sp2.projects.demo.id, { name: 'found-by-search' });
    const first = await send(0, 'GET', volumesPath(volume.id));
    expect([first.status, first.serviceProvider]).to.deep.equal([200, 'sp2']);
    // A search: the local probe first, then sp2's probe and the request itself.
    expect(received()[0]).to.equal('idp:GET');
    expect(received()[2]).to.equal('sp2:GET,GET');
    await learned(volume.id); // the search learns once every probe is in, maybe after the answer
    resetServices();
    const second = await send(1, 'GET', volumesPath(volume.id));
    expect([second.status, second.body.volume.id]).to.deep.equal([200, volume.id]);
    expect(received()).to.deep.equal(['idp:', 'sp1:', 'sp2:GET']);
  });

  it('heals a stale location when the volume moved, whichever worker meets it', async () => {
    const volume = sp('sp1').volume.seed(sp('sp1').projects.demo.id, { name: 'moving' });
    expect((await send(0, 'GET', volumesPath(volume.id))).serviceProvider).to.equal('sp1');
    await learned(volume.id);
    expect((await send(1, 'GET', volumesPath(volume.id))).serviceProvider).to.equal('sp1');
    sp('sp1').volume.volumes.delete(volume.id);
    sp('sp2').volume.volumes.set(volume.id, { ...volume, projectId: sp('sp2').projects.demo.id });
    resetServices();
    // Both workers knew sp1: each meets the 404 there (at worst), searches, and answers from sp2.
    for (const worker of [1, 0]) {
      const moved = await send(worker, 'GET', volumesPath(volume.id));
      expect([moved.status, moved.serviceProvider, moved.body.volume.id], `worker ${worker}`).to.deep.equal([200, 'sp2', volume.id]);
      await learned(volume.id);
    }
    expect(sp('sp1').volume.requests.map((r) => r.method)).to.include('GET');
    resetServices();
    for (const worker of [1, 0]) expect((await send(worker, 'GET', volumesPath(volume.id))).serviceProvider).to.equal('sp2');
    expect(received()).to.deep.equal(['idp:', 'sp1:', 'sp2:GET,GET']);
  });

  it('sends the DELETE of an id no cloud has nowhere, and the other worker answers 404 from the shared memory of it', async () => {
    const unknown = '0badc0de-0000-4000-8000-00000000e2e0';
    expect((await send(1, 'DELETE', volumesPath(unknown))).status).to.equal(404);
    // Only the search's GET probes (none found it, so none was cancelled): no DELETE anywhere.
    expect(received()).to.deep.equal(['idp:GET', 'sp1:GET', 'sp2:GET']);
    resetServices();
    expect((await send(0, 'GET', volumesPath(unknown))).status).to.equal(404);
    expect(received()).to.deep.equal(['idp:', 'sp1:', 'sp2:']);
  });

  it('costs probes, never a wrong answer, when memcached is flushed mid-test', async () => {
    const sp2 = sp('sp2');
    const volume = sp2.volume.seed(sp2.projects.demo.id, { name: 'outlives-the-flush' });
    expect((await send(0, 'GET', volumesPath(volume.id))).serviceProvider).to.equal('sp2');
    await learned(volume.id);
    await memcached.flush();
    resetServices();
    // Worker 1 never saw it and the store forgot it: a search again (and new K2K exchanges), then the right answer.
    const afterFlush = await send(1, 'GET', volumesPath(volume.id));
    expect([afterFlush.status, afterFlush.serviceProvider, afterFlush.body.volume.id]).to.deep.equal([200, 'sp2', volume.id]);
    expect(received()[0]).to.equal('idp:GET');
    expect(received()[2]).to.equal('sp2:GET,GET');
    const elsewhere = await send(0, 'GET', volumesPath(volume.id));
    expect([elsewhere.status, elsewhere.serviceProvider, elsewhere.body.volume.id]).to.deep.equal([200, 'sp2', volume.id]);
  });
});
