import { expect } from 'chai';
import { ComputeService, startFederation, type Federation } from '../src/index.js';
import { defineNovaMicroversionContract } from './contract/nova-contract.js';
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

  defineNovaMicroversionContract(async () => ({ serversUrl: `${compute.publicUrl}/v2.1/servers`, token }));
});
