import { expect } from 'chai';
import { ComputeService, startFederation, type Federation } from '../src/index.js';
import { aliceToken, http } from './helpers.js';

type Listed = { servers: { id: string; name: string; created?: string; links: { rel: string; href: string }[] }[]; servers_links?: { rel: string; href: string }[] };

describe('ComputeService (fake Nova)', () => {
  let federation: Federation;
  let compute: ComputeService;
  let token: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    compute = await ComputeService.startIn(federation.idp, federation.env.region);
    token = aliceToken(federation);
  });

  after(async () => {
    await compute.stop();
    await federation.close();
  });

  beforeEach(() => compute.servers.clear());

  const list = (query: string, withProject = true) =>
    http(`${compute.publicUrl}/v2.1${withProject ? `/${federation.env.idpProjectId}` : ''}/servers${query}`, { headers: { 'x-auth-token': token } });

  it("is listed in its cloud's catalog as compute, at Nova's /v2.1", () => {
    const service = federation.idp.catalog.services.find((s) => s.type === 'compute');
    expect(service?.endpoints.map((e) => [e.interface, e.url])).to.deep.equal([
      ['public', `${compute.publicUrl}/v2.1`],
      ['internal', `${compute.internalUrl}/v2.1`],
    ]);
  });

  it('lists in summary and detail, pages with servers_links and sorts by Nova sort keys, refusing `id`', async () => {
    const project = federation.env.idpProjectId;
    const [older, newer] = ['b-older', 'a-newer'].map((name, i) => compute.seed(project, { name, created: `2026-01-01T00:00:0${i}Z` }));
    compute.seed('someone-else', { name: 'not-mine' });
    const summary = (await list('')).json() as Listed;
    expect(summary.servers.map((s) => Object.keys(s).sort())).to.deep.equal([['id', 'links', 'name'], ['id', 'links', 'name']]);
    expect(summary.servers.map((s) => s.id)).to.deep.equal([newer.id, older.id]); // newest first
    const page = (await list('/detail?limit=1&sort_key=display_name&sort_dir=asc')).json() as Listed;
    expect(page.servers.map((s) => [s.name, s.created])).to.deep.equal([['a-newer', '2026-01-01T00:00:01Z']]);
    const next = page.servers_links?.[0].href as string;
    expect(next).to.equal(`${compute.publicUrl}/v2.1/${project}/servers/detail?limit=1&sort_key=display_name&sort_dir=asc&marker=${newer.id}`);
    expect(((await http(next, { headers: { 'x-auth-token': token } })).json() as Listed).servers.map((s) => s.name)).to.deep.equal(['b-older']);
    expect((await list('?sort_key=id')).status).to.equal(400);
    expect(((await list('?name=^a-&status=active', false)).json() as Listed).servers.map((s) => s.name)).to.deep.equal(['a-newer']);
  });

  it("shows a server of the token's project, and 404s another's", async () => {
    const mine = compute.seed(federation.env.idpProjectId, { name: 'mine' });
    const shown = await list(`/${mine.id}`);
    expect((shown.json() as { server: { name: string; tenant_id: string } }).server).to.include({ name: 'mine', tenant_id: federation.env.idpProjectId });
    const theirs = compute.seed('someone-else');
    const refused = await list(`/${theirs.id}`);
    expect(refused.status).to.equal(404);
    expect(refused.json()).to.deep.equal({ itemNotFound: { code: 404, message: `Instance ${theirs.id} could not be found.` } });
  });

  it('serves microversions as Nova does: both headers on every answer, whichever was asked; 406 outside 2.1-2.93, 400 for a malformed one', async () => {
    const get = (headers: Record<string, string>) => http(`${compute.publicUrl}/v2.1/servers`, { headers: { 'x-auth-token': token, ...headers } });
    const served = (answer: Awaited<ReturnType<typeof get>>) => [answer.status, ...['openstack-api-version', 'x-openstack-nova-api-version', 'vary'].map((name) => answer.headers.get(name))];
    const vary = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version';
    expect(served(await get({}))).to.deep.equal([200, 'compute 2.1', '2.1', vary]);
    expect(served(await get({ 'x-openstack-nova-api-version': '2.37' }))).to.deep.equal([200, 'compute 2.37', '2.37', vary]);
    expect(served(await get({ 'openstack-api-version': 'compute latest' }))).to.deep.equal([200, 'compute 2.93', '2.93', vary]);
    expect(served(await get({ 'openstack-api-version': 'volume 3.0' }))).to.deep.equal([200, 'compute 2.1', '2.1', vary]);
    const refused = await get({ 'openstack-api-version': 'compute 2.0' });
    expect(served(refused)).to.deep.equal([406, 'compute 2.0', '2.0', vary]);
    expect(refused.json()).to.deep.equal({ computeFault: { code: 406, message: 'Version 2.0 is not supported by the API. Minimum is 2.1 and maximum is 2.93.' } });
    const malformed = await get({ 'openstack-api-version': 'compute abc' });
    expect(served(malformed)).to.deep.equal([400, null, null, null]);
    expect(malformed.json()).to.deep.equal({ badRequest: { code: 400, message: 'API Version String abc is of invalid format. Must be of format MajorNum.MinorNum.' } });
  });
});
