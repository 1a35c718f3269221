import { expect } from 'chai';
import request from 'supertest';
import type { Cloud, Federation } from '@k2k/testing';
import type { LocationEvent, ProbeEvent } from '../src/index.js';
import { pageThrough as pageThroughList, startFederatedGateway, until, userToken, type FederatedGateway, type TestGateway } from './gateway-fixture.js';

type Listed = { id: string; name: string; size?: number; created_at?: string; links?: unknown; 'k2k:service_provider'?: string };

/**
 * Rule 5 (DESIGN "Aggregation") through a gateway on the simulated federation (the local cloud and
 * two service providers) and a real memcached: one list of everything the caller has everywhere,
 * sorted and paged as one, whichever way the client pages.
 */
describe('k2kForward: lists merged across every cloud', () => {
  let federation: Federation;
  let gateway: TestGateway;
  let token: string;
  let probes: ProbeEvent[];
  let locations: LocationEvent[];

  let setup: FederatedGateway;

  before(async () => {
    setup = await startFederatedGateway({ listBodyLimitBytes: 64 * 1024 });
    ({ federation, gateway, token } = setup);
    gateway.volume.events.on('probe', (event: ProbeEvent) => probes.push(event));
    gateway.volume.events.on('location', (event: LocationEvent) => locations.push(event));
  });

  after(() => setup.close());

  beforeEach(() => {
    probes = [];
    locations = [];
    for (const cloud of federation.clouds) {
      cloud.volume.volumes.clear();
      cloud.image.images.clear();
      cloud.volume.faults.clear();
      cloud.volume.reset();
      cloud.image.reset();
    }
  });

  const clouds = () => federation.clouds;
  const projectOf = (cloud: Cloud) => (cloud.name === 'idp' ? federation.env.idpProjectId : cloud.projects.demo.id);
  const volumes = (suffix = '') => `/volume/v3/${federation.env.idpProjectId}/volumes${suffix}`;
  const get = (path: string, as = token) => request(gateway.app).get(path).set('x-auth-token', as);
  /** n volumes per cloud, named <cloud>-<i>, sizes and creation times spread so every order is visible. */
  function seedVolumes(perCloud: number): Map<string, string> {
    const where = new Map<string, string>();
    clouds().forEach((cloud, c) => {
      for (let i = 0; i < perCloud; i++) {
        const created = new Date(Date.UTC(2026, 0, 1, 0, 0, i * 3 + c)).toISOString().replace(/Z$/, '000');
        const volume = cloud.volume.seed(projectOf(cloud), { name: `${cloud.name}-${i}`, size: ((i * 7 + c) % 5) + 1, createdAt: created });
        where.set(volume.id, cloud.name);
      }
    });
    return where;
  }

  /** Follows next links (or, with `byId`, the last item's id as the marker) to the end; the next links lead to supertest's listener, the proxy. */
  const pageThrough = (first: string, byId: boolean, between?: (page: number, items: Listed[]) => void) =>
    pageThroughList<Listed>((path) => get(path), first, { collection: 'volumes', byId, throughProxy: (url) => expect(url.hostname).to.equal('127.0.0.1'), ...(between && { between }) });

  it('merges every cloud into one list, newest first by default, with no item twice', async () => {
    const where = seedVolumes(3);
    const answer = await get(volumes('/detail')).expect(200);
    const listed = answer.body.volumes as Listed[];
    expect(listed.map((v) => v.id).sort()).to.deep.equal([...where.keys()].sort());
    const created = listed.map((v) => v.created_at as string);
    expect(created).to.deep.equal([...created].sort().reverse());
    expect(answer.headers).to.not.have.property('x-k2k-partial');
    expect(answer.headers).to.not.have.property('x-k2k-service-provider');
    // Each item's links go through the proxy, with the caller's project: never straight to a cloud.
    const hrefs = listed.flatMap((v) => (v.links as { href: string }[]).map((link) => link.href));
    expect(hrefs).to.have.length.greaterThan(0);
    for (const href of hrefs) {
      expect(href).to.match(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/volume/(v3/)?${federation.env.idpProjectId}/volumes/`));
      for (const cloud of clouds()) expect(href).to.not.include(cloud.volume.publicUrl);
    }
  });

  it('sorts the merged list on several keys, both ways, in Cinder\'s and the sort_key forms', async () => {
    seedVolumes(4);
    const bySizeThenName = ((await get(volumes('/detail?sort=size:asc,name:desc')).expect(200)).body.volumes as Listed[]).map((v) => [v.size, v.name]);
    const expected = [...bySizeThenName].sort((a, b) => (a[0] as number) - (b[0] as number) || String(b[1]).localeCompare(String(a[1])));
    expect(bySizeThenName).to.deep.equal(expected);
    const byNameDesc = ((await get(volumes('/detail?sort_key=name&sort_dir=desc')).expect(200)).body.volumes as Listed[]).map((v) => v.name);
    expect(byNameDesc).to.deep.equal([...byNameDesc].sort().reverse());
    await get(volumes('/detail?sort=size:sideways')).expect(400);
  });

  it("takes Cinder's list parameters as Cinder does: display_name orders by name, limit=0 is an empty list, an unknown marker 404 (Tempest, issue #30 cause 5)", async () => {
    seedVolumes(3);
    for (const [query, direction] of [['sort_key=display_name&sort_dir=asc', 'asc'], ['sort=display_name:desc', 'desc'], ['sort=name:asc', 'asc']]) {
      const names = ((await get(volumes(`/detail?${query}`)).expect(200)).body.volumes as Listed[]).map((v) => v.name);
      expect(names, query).to.have.length(9);
      expect(names, query).to.deep.equal(direction === 'asc' ? [...names].sort() : [...names].sort().reverse());
    }
    expect((await get(volumes('/detail?limit=0')).expect(200)).body).to.deep.equal({ volumes: [] });
    const unknown = await get(volumes('/detail?marker=0f0e0d0c-0000-4000-8000-000000000000')).expect(404);
    expect(unknown.body.error).to.include({ code: 404 });
  });

  it('answers a merged list, and its own errors, with the microversion asked for, as Cinder does (Tempest, issue #30 cause 4)', async () => {
    seedVolumes(1);
    const asked = (path: string) => get(path).set('openstack-api-version', 'volume 3.14');
    const answers = { list: await asked(volumes('/detail')).expect(200), 'limit=0': await asked(volumes('?limit=0')).expect(200), 'its own 404': await asked(volumes('/detail?marker=0f0e0d0c-0000-4000-8000-000000000000')).expect(404) };
    for (const [what, answer] of Object.entries(answers)) {
      expect(answer.headers, what).to.include({ 'openstack-api-version': 'volume 3.14', vary: 'OpenStack-API-Version' });
    }
    // `latest`: the version the clouds served, as the local Cinder answered it.
    expect((await get(volumes('/detail')).set('openstack-api-version', 'volume latest').expect(200)).headers).to.include({ 'openstack-api-version': 'volume 3.70' });
    // None asked: the oldest, as Cinder names it when asked for none.
    expect((await get(volumes('/detail')).expect(200)).headers).to.include({ 'openstack-api-version': 'volume 3.0', vary: 'OpenStack-API-Version' });
  });

  it('pages through the whole merged list with next links: no duplicates, no gaps, at most `limit` per cloud per page', async () => {
    const where = seedVolumes(5);
    const pages = await pageThrough(volumes('/detail?limit=4&sort=name:asc'), false);
    const ids = pages.flat().map((v) => v.id);
    expect(ids).to.have.length(15);
    expect(new Set(ids).size).to.equal(15);
    expect(pages.flat().map((v) => v.name)).to.deep.equal([...pages.flat().map((v) => v.name)].sort());
    expect(pages.slice(0, -1).every((page) => page.length === 4)).to.equal(true);
    for (const cloud of clouds()) {
      for (const received of cloud.volume.requests) expect(Number(received.query.limit)).to.be.at.most(4);
    }
    expect([...where.keys()].sort()).to.deep.equal([...ids].sort());
  });

  it('pages by the last item\'s id as the marker, as clients do, to the same list', async () => {
    seedVolumes(4);
    const byLinks = (await pageThrough(volumes('/detail?limit=5'), false)).flat().map((v) => v.id);
    const byIds = (await pageThrough(volumes('/detail?limit=5'), true)).flat().map((v) => v.id);
    expect(byIds).to.deep.equal(byLinks);
  });

  it("positions a plain-id marker the cursors were not kept for by the item's learned location, without a probe", async () => {
    seedVolumes(3);
    // One whole page: it teaches every item's location and keeps no cursors (there is no next page).
    const all = (await get(volumes('/detail?sort=name:asc')).expect(200)).body.volumes as Listed[];
    await until(() => locations.length >= all.length);
    const marker = all.find((v) => v.name === 'sp1-0')?.id;
    const page = (await get(volumes(`/detail?limit=3&sort=name:asc&marker=${marker}`)).expect(200)).body.volumes as Listed[];
    expect(page.map((v) => v.name)).to.deep.equal(['sp1-1', 'sp1-2', 'sp2-0']);
    expect(probes).to.deep.equal([]);
  });

  it('finds the cloud of a plain-id marker nobody learned with a search, learns it, then positions the other clouds by its sort values', async () => {
    seedVolumes(3);
    const sp2 = federation.cloud('sp2');
    const marker = sp2.volume.seed(sp2.projects.demo.id, { name: 'm-behind-its-back' });
    const expected = ['sp1-0', 'sp1-1', 'sp1-2'];
    const page = (await get(volumes(`/detail?limit=3&sort=name:asc&marker=${marker.id}`)).expect(200)).body.volumes as Listed[];
    expect(page.map((v) => v.name)).to.deep.equal(expected);
    expect(probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`).sort()).to.deep.equal(['local:missing', 'sp1:missing', 'sp2:found']);
    expect(locations).to.deep.include({ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp2' });
    probes = [];
    const again = (await get(volumes(`/detail?limit=3&sort=name:desc&marker=${marker.id}`)).expect(200)).body.volumes as Listed[];
    expect(again.map((v) => v.name)).to.deep.equal(['idp-2', 'idp-1', 'idp-0']);
    expect(probes).to.deep.equal([]);
    // An id found nowhere is no marker of this list.
    const unknown = await get(volumes('/detail?limit=3&marker=0badc0de-0000-4000-8000-00000000abcd')).expect(404); // Cinder's MarkerNotFound
    expect(unknown.body.error.message).to.match(/Marker 0badc0de-.* is not an item of this list/);
  });

  it('skips nothing that existed throughout while items are created and deleted between pages', async () => {
    const where = seedVolumes(5);
    const throughout = new Set(where.keys());
    const seen = new Set<string>();
    const pages = await pageThrough(volumes('/detail?limit=3&sort=name:asc'), false, (page, items) => {
      // Between pages: the page's last item is deleted (its cloud's cursor: the next page cannot use
      // it as that cloud's marker), one not listed yet is deleted, and new ones are created.
      const cursor = items[items.length - 1].id;
      const notYetListed = [...throughout].find((id) => !items.some((v) => v.id === id) && !seen.has(id));
      for (const cloud of clouds()) {
        cloud.volume.volumes.delete(cursor);
        if (notYetListed && cloud.volume.volumes.delete(notYetListed)) throughout.delete(notYetListed);
        cloud.volume.seed(projectOf(cloud), { name: `zz-new-${page}-${cloud.name}` });
      }
      for (const v of items) seen.add(v.id);
    });
    const listed = new Set(pages.flat().map((v) => v.id));
    for (const id of throughout) expect(listed.has(id), `${id} existed throughout`).to.equal(true);
    expect(pages.flat().length).to.equal(listed.size); // no duplicates
  });

  it('links the next page through the proxy with an opaque marker, and refuses a tampered or foreign one', async () => {
    seedVolumes(3);
    const answer = await get(volumes('/detail?limit=2')).expect(200);
    const next = new URL(answer.body.volumes_links[0].href);
    expect(next.pathname).to.equal(volumes('/detail'));
    const marker = next.searchParams.get('marker') as string;
    expect(marker).to.match(/^k2k1\./);
    const tampered = `${marker.slice(0, -3)}${marker.at(-3) === 'A' ? 'B' : 'A'}${marker.slice(-2)}`;
    const refused = await get(volumes(`/detail?limit=2&marker=${tampered}`)).expect(400);
    expect(refused.body.error.message).to.match(/not one this proxy made for this list/);
    // The same marker on another list (another order) is foreign.
    await get(volumes(`/detail?limit=2&sort=name:asc&marker=${marker}`)).expect(400);
  });

  it('refuses (400, naming it) a plain-id marker that is no single path segment, before any cloud is asked', async () => {
    seedVolumes(1);
    const hostile: [sent: string, marker: string][] = [
      ['.', '.'],
      ['..', '..'],
      ['%2E%2E', '..'],
      ['..%2F..%2Flimits', '../../limits'],
      ['..%5C..%5Climits', '..\\..\\limits'],
      ['', ''],
      ['a%00b', 'a\u0000b'],
      ['a%0Ab', 'a\nb'],
      ['a%09b', 'a\tb'],
      ['x%40sp1', 'x@sp1'],
    ];
    for (const cloud of clouds()) cloud.keystone.calls.reset();
    for (const [sent, marker] of hostile) {
      const answer = await get(volumes(`/detail?limit=2&marker=${sent}`)).expect(400);
      expect(answer.body.error, sent).to.include({ code: 400, title: 'Bad Request' });
      expect(answer.body.error.message, sent).to.include(`The marker ${JSON.stringify(marker)}`);
    }
    for (const cloud of clouds()) expect(cloud.volume.calls.calls.map((call) => `${call.method} ${call.path}`), cloud.name).to.deep.equal([]);
    for (const cloud of clouds().filter((cloud) => cloud.name !== 'idp')) expect(cloud.keystone.calls.count(), `${cloud.name}'s Keystone`).to.equal(0);
    expect(probes).to.deep.equal([]);
  });

  it('trims a summary list to what the service shows there, though it read the detail to sort', async () => {
    seedVolumes(2);
    const listed = (await get(volumes()).expect(200)).body.volumes as Listed[];
    expect(listed).to.have.length(6);
    for (const volume of listed) expect(Object.keys(volume).sort()).to.deep.equal(['id', 'links', 'name']);
    expect(federation.cloud('sp1').volume.requests[0].path).to.match(/\/volumes\/detail$/);
  });

  it('answers with the other clouds when one fails (X-K2K-Partial), and with the first error when all do', async () => {
    seedVolumes(2);
    await federation.cloud('sp2').volume.down();
    const partial = await get(volumes('/detail')).expect(200);
    expect(partial.headers['x-k2k-partial']).to.equal('sp2');
    expect((partial.body.volumes as Listed[]).map((v) => v.name).sort()).to.deep.equal(['idp-0', 'idp-1', 'sp1-0', 'sp1-1']);
    for (const cloud of clouds()) cloud.volume.faults.set({ status: 500 });
    await federation.cloud('sp2').volume.up();
    const failed = await get(volumes('/detail')).expect(502);
    expect(failed.body.error.message).to.be.a('string');
  });

  it('leaves out a cloud whose answer is over the cap, naming it', async () => {
    seedVolumes(1);
    const sp1 = federation.cloud('sp1');
    for (let i = 0; i < 120; i++) sp1.volume.seed(sp1.projects.demo.id, { name: `big-${i}`, description: 'x'.repeat(400) });
    const answer = await get(volumes('/detail')).expect(200);
    expect(answer.headers['x-k2k-partial']).to.equal('sp1');
    expect((answer.body.volumes as Listed[]).map((v) => v.name).sort()).to.deep.equal(['idp-0', 'sp2-0']);
  });

  it('says where each item is when asked (X-K2K-Include-Location), and learns every item listed', async () => {
    const where = seedVolumes(2);
    const answer = await get(volumes('/detail')).set('X-K2K-Include-Location', 'true').expect(200);
    for (const volume of answer.body.volumes as Listed[]) {
      expect(volume['k2k:service_provider']).to.equal(where.get(volume.id) === 'idp' ? 'default' : where.get(volume.id));
    }
    const atSp2 = [...where].find(([, cloud]) => cloud === 'sp2')?.[0] as string;
    await until(() => locations.length >= where.size); // items are learned after the list is answered
    for (const cloud of clouds()) cloud.volume.reset();
    const shown = await get(volumes(`/${atSp2}`)).expect(200);
    expect(shown.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(clouds().map((cloud) => cloud.volume.requests.length)).to.deep.equal([0, 0, 1]); // no probe
  });

  it("merges Glance's images with its own paging form (`next` below the endpoint), keeps `schema` and gives `first` as the merged list's", async () => {
    clouds().forEach((cloud) => {
      for (let i = 0; i < 3; i++) cloud.image.seed(projectOf(cloud), { name: `${cloud.name}-image-${i}` });
    });
    const first = await get('/image/v2/images?limit=5&sort_key=name&sort_dir=asc').expect(200);
    expect(first.body.images).to.have.length(5);
    expect(first.body.schema).to.equal('/v2/schemas/images');
    expect(first.body.next).to.match(/^\/v2\/images\?.*marker=k2k1\./);
    expect(first.body.first).to.equal('/v2/images?limit=5&sort_key=name&sort_dir=asc');
    const second = await get(`/image${first.body.next}`).expect(200);
    expect(second.body.first).to.equal(first.body.first); // the merged list's first page, not a cloud's
    const names = [...first.body.images, ...second.body.images].map((image: { name: string }) => image.name);
    expect(names).to.deep.equal([...names].sort());
    expect(names).to.have.length(9);
    expect(second.body).to.not.have.property('next');
    expect((await get('/image/v2/images').expect(200)).body.first).to.equal('/v2/images');
  });

  it('passes query filters to every cloud unchanged, and keeps them in the next link', async () => {
    seedVolumes(2);
    const answer = await get(volumes('/detail?name=sp1-0&status=available&metadata=%7B%22k%22%3A%22v%22%7D&limit=2')).expect(200);
    for (const cloud of clouds()) {
      const { query } = cloud.volume.requests[0];
      expect([query.name, query.status, query.metadata], cloud.name).to.deep.equal(['sp1-0', 'available', '{"k":"v"}']);
    }
    const next = new URL(answer.body.volumes_links[0].href).searchParams;
    expect([next.get('name'), next.get('status'), next.get('metadata')]).to.deep.equal(['sp1-0', 'available', '{"k":"v"}']);
  });

  it('refuses all_tenants to a caller without the admin role, and passes it to every cloud for one with it', async () => {
    const refused = await get(volumes('/detail?all_tenants=1')).expect(403);
    expect(refused.body.error.message).to.match(/admin role/);
    for (const cloud of clouds()) expect(cloud.volume.requests, cloud.name).to.have.length(0);
    const { directory } = federation.cloud('idp').keystone;
    const operator = directory.addUser('operator', 'operatorpw');
    directory.grant('admin', operator.id, federation.env.idpProjectId);
    const asAdmin = await userToken(federation.env, federation.env.idpProject, { name: 'operator', password: 'operatorpw' });
    await get(volumes('/detail?all_tenants=1'), asAdmin).expect(200);
    for (const cloud of clouds()) expect(cloud.volume.requests.map((r) => r.query.all_tenants), cloud.name).to.deep.equal(['1']);
  });

  it('does not merge a list that names its cloud', async () => {
    seedVolumes(1);
    const answer = await get(volumes('/detail')).set('SERVICE-PROVIDER', 'sp1').expect(200);
    expect((answer.body.volumes as Listed[]).map((v) => v.name)).to.deep.equal(['sp1-0']);
  });
});
