import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { ComputeService, startFederation, type Federation } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware } from '../src/index.js';
import { pageThrough as pageThroughList, userToken } from './gateway-fixture.js';

type Listed = { id: string; name: string; created?: string; links?: { rel: string; href: string }[] };

/**
 * Rule 5 on Nova-shaped lists (DESIGN "Aggregation"): servers from the local cloud and two service
 * providers, each a fake Nova, merged into one list. Nova sorts by its database columns
 * (`created_at`, `display_name`, `uuid`) but shows `created` and `name`, and takes no `id` sort
 * key: the merged order must be the one each cloud pages by.
 */
describe('k2kForward: Nova server lists merged across every cloud', () => {
  let federation: Federation;
  let computes: ComputeService[];
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  let compute: K2KForwardMiddleware;
  let app: express.Express;
  let token: string;

  before(async () => {
    federation = await startFederation();
    const { env } = federation;
    computes = await Promise.all(federation.clouds.map((cloud) => ComputeService.startIn(cloud.keystone, env.region)));
    store = createStore();
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    compute = k2kForward({ serviceType: 'compute', authUrl: env.idpAuthUrl, store, local: `${computes[0].publicUrl}/v2.1`, proxyId: 'test-gateway' });
    app = express();
    app.use(auth);
    app.use('/compute', compute);
    token = await userToken(env);
  });

  after(async () => {
    await Promise.all([auth.close(), compute.close(), ...computes.map((service) => service.stop())]);
    await store.close();
    await federation.close();
  });

  beforeEach(() => {
    for (const service of computes) {
      service.servers.clear();
      service.reset();
    }
  });

  const servers = (suffix = '') => `/compute/v2.1/${federation.env.idpProjectId}/servers${suffix}`;
  const get = (path: string) => request(app).get(path).set('x-auth-token', token);
  /** n servers per cloud, named <cloud>-<i>; every second one shares its creation time with the other clouds' (ties broken by id). */
  function seedServers(perCloud: number): Map<string, string> {
    const where = new Map<string, string>();
    federation.clouds.forEach((cloud, c) => {
      const projectId = cloud.name === 'idp' ? federation.env.idpProjectId : cloud.projects.demo.id;
      for (let i = 0; i < perCloud; i++) {
        const created = new Date(Date.UTC(2026, 0, 1, 0, 0, i * 3 + (i % 2 === 0 ? c : 0))).toISOString().replace(/\.\d{3}Z$/, 'Z');
        where.set(computes[c].seed(projectId, { name: `${cloud.name}-${i}`, created }).id, cloud.name);
      }
    });
    return where;
  }

  /** Follows `servers_links` (or, with `byId`, the last item's id as the marker) to the end. */
  const pageThrough = (first: string, byId: boolean) =>
    pageThroughList<Listed>(get, first, { collection: 'servers', byId, throughProxy: (url) => expect(url.pathname.startsWith('/compute/')).to.equal(true) });

  it('merges every cloud into one detail list, newest first by `created`, links through the proxy', async () => {
    const where = seedServers(3);
    const answer = await get(servers('/detail')).expect(200);
    expect(answer.headers).to.not.have.property('x-k2k-partial');
    const listed = answer.body.servers as Listed[];
    expect(listed.map((s) => s.id).sort()).to.deep.equal([...where.keys()].sort());
    const order = listed.map((s) => `${s.created} ${s.id}`);
    expect(order).to.deep.equal([...order].sort().reverse());
    for (const href of listed.flatMap((s) => (s.links ?? []).map((link) => link.href))) {
      expect(href).to.match(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/compute/`));
      for (const service of computes) expect(href).to.not.include(service.publicUrl);
    }
    // Each cloud was asked in Nova's terms (it refuses an `id` sort key): the id as `uuid`, last.
    for (const service of computes) expect(service.calls.calls.map((call) => call.status)).to.deep.equal([200]);
    for (const service of computes) expect(service.requests[0].query.sort_key).to.equal('uuid');
  });

  it('sorts by Nova sort keys, both ways, on several keys', async () => {
    seedServers(4);
    const byName = ((await get(servers('/detail?sort_key=display_name&sort_dir=asc')).expect(200)).body.servers as Listed[]).map((s) => s.name);
    expect(byName).to.deep.equal([...byName].sort());
    const oldestThenName = ((await get(servers('/detail?sort_key=created_at&sort_dir=asc&sort_key=display_name&sort_dir=desc')).expect(200)).body.servers as Listed[]).map((s) => [s.created, s.name]);
    const expected = [...oldestThenName].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(b[1]).localeCompare(String(a[1])));
    expect(oldestThenName).to.deep.equal(expected);
  });

  it('pages through the merged list with `servers_links` and with plain-id markers alike: no duplicates, no gaps', async () => {
    const where = seedServers(5);
    const byLinks = await pageThrough(servers('/detail?limit=4'), false);
    const ids = byLinks.flat().map((s) => s.id);
    expect(ids).to.have.length(15);
    expect([...ids].sort()).to.deep.equal([...where.keys()].sort());
    expect(byLinks.slice(0, -1).every((page) => page.length === 4)).to.equal(true);
    for (const service of computes) for (const received of service.requests) expect(Number(received.query.limit)).to.be.at.most(4);
    const byIds = (await pageThrough(servers('/detail?limit=4'), true)).flat().map((s) => s.id);
    expect(byIds).to.deep.equal(ids);
  });

  it("trims the summary list to what Nova's shows (id, name, links), though it read the detail list to sort", async () => {
    seedServers(3);
    const pages = await pageThrough(servers('?limit=5&sort_key=display_name&sort_dir=asc'), false);
    const listed = pages.flat();
    expect(listed.map((s) => s.name)).to.deep.equal([...listed.map((s) => s.name)].sort());
    expect(listed).to.have.length(9);
    for (const server of listed) expect(Object.keys(server).sort()).to.deep.equal(['id', 'links', 'name']);
    for (const service of computes) expect(service.requests.every((received) => received.path.endsWith('/servers/detail'))).to.equal(true);
  });

  it('answers the microversion Nova served in both its headers, whichever the caller sent, as Nova does', async () => {
    seedServers(1);
    const vary = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';
    const served = (answer: request.Response) => [answer.headers['openstack-api-version'], answer.headers['x-openstack-nova-api-version'], answer.headers.vary];
    expect(served(await get(servers('/detail')).set('x-openstack-nova-api-version', '2.37').expect(200))).to.deep.equal(['compute 2.37', '2.37', vary]);
    expect(served(await get(servers('/detail')).set('openstack-api-version', 'compute latest').expect(200))).to.deep.equal(['compute 2.93', '2.93', vary]);
    expect(served(await get(servers('/detail')).expect(200))).to.deep.equal(['compute 2.1', '2.1', vary]);
  });

  it('answers 406 with Nova\'s message when no cloud serves the microversion asked for', async () => {
    seedServers(1);
    const refused = await get(servers('/detail')).set('openstack-api-version', 'compute 2.999').expect(406);
    expect(refused.body.error.message).to.include('Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.93.');
  });
});
