import { expect } from 'chai';
import { startNetworkGateway, type NetworkGateway } from './network-fixture.js';

type Listed = { id: string; name?: string };
type Link = { rel: string; href: string };

/**
 * Rule 5 on Neutron's lists (DESIGN "Aggregation", "Compute and network"): networks, ports and
 * security groups of the local cloud and two service providers, each a fake Neutron, merged into
 * one list with Neutron's paging: id ascending by default (Neutron takes no `created_at` sort
 * key), `limit` (0: no limit) and `marker`, `networks_links` with `next` and `previous`
 * (`page_reverse`) pointing at the gateway with the merged marker, `fields`, `.json`.
 */
describe('k2kForward: Neutron lists merged across every cloud', () => {
  let gw: NetworkGateway;

  before(async () => {
    gw = await startNetworkGateway();
  });

  after(() => gw.close());

  beforeEach(() => gw.reset());

  /** n networks per cloud, named <cloud>-<i> */
  function seedNetworks(perCloud: number): Map<string, string> {
    const where = new Map<string, string>();
    for (const cloud of gw.federation.clouds) for (let i = 0; i < perCloud; i++) where.set(gw.neutron(cloud.name).seed('networks', gw.projectAt(cloud), { name: `${cloud.name}-${i}` }).id, cloud.name);
    return where;
  }

  const links = (body: Record<string, unknown>, key = 'networks') => (body[`${key}_links`] as Link[] | undefined) ?? [];
  const through = (href: string) => {
    const url = new URL(href);
    expect(url.pathname.startsWith('/network/v2.0/')).to.equal(true);
    return `${url.pathname}${url.search}`;
  };

  it('merges every cloud, id ascending by default, asking each cloud in terms Neutron takes', async () => {
    const where = seedNetworks(3);
    const answer = await gw.get('/network/v2.0/networks').expect(200);
    expect(answer.headers).to.not.have.property('x-k2k-partial');
    const ids = (answer.body.networks as Listed[]).map((n) => n.id);
    expect(ids).to.deep.equal([...where.keys()].sort());
    expect(links(answer.body)).to.deep.equal([]); // no limit asked, nothing left: no links, as Neutron
    for (const cloud of gw.federation.clouds) {
      const [asked] = gw.neutron(cloud.name).requests.filter((r) => r.path === '/v2.0/networks');
      expect(asked.query).to.include({ sort_key: 'id', sort_dir: 'asc' });
    }
  });

  it('pages forwards by networks_links next and back by previous (page_reverse), every link on the gateway', async () => {
    const where = seedNetworks(3);
    const all = [...where.keys()].sort();
    const pages: string[][] = [];
    const previous: string[] = [];
    let path: string | undefined = '/network/v2.0/networks?limit=4';
    while (path && pages.length < 10) {
      const answer: { body: Record<string, unknown> } = await gw.get(path).expect(200);
      pages.push((answer.body.networks as Listed[]).map((n) => n.id));
      const byRel: Map<string, string> = new Map(links(answer.body).map((link) => [link.rel, link.href]));
      expect(byRel.has('previous'), 'every page with a limit links back').to.equal(true);
      previous.push(through(byRel.get('previous') as string));
      path = byRel.has('next') ? through(byRel.get('next') as string) : undefined;
    }
    expect(pages.map((page) => page.length)).to.deep.equal([4, 4, 1]);
    expect(pages.flat()).to.deep.equal(all);
    expect(previous[0]).to.include('page_reverse=True');
    // Back from the last page and from the second: the page before each, in the list's order.
    const back = await gw.get(previous[2]).expect(200);
    expect((back.body.networks as Listed[]).map((n) => n.id)).to.deep.equal(pages[1]);
    const first = await gw.get(previous[1]).expect(200);
    expect((first.body.networks as Listed[]).map((n) => n.id)).to.deep.equal(pages[0]);
    // A reverse page links forwards again (next), and back while there is more before it (previous).
    const rels = links(back.body).map((link) => link.rel);
    expect(rels).to.deep.equal(['next', 'previous']);
    const again = await gw.get(through(links(back.body)[0].href)).expect(200);
    expect((again.body.networks as Listed[]).map((n) => n.id)).to.deep.equal(pages[2]);
    expect(links(first.body).map((link) => link.rel)).to.deep.equal(['next']); // nothing before the first page
  });

  it('takes a plain item id as marker both ways, Neutron sort keys, limit=0 as no limit, and fields', async () => {
    seedNetworks(2);
    const byName = await gw.get('/network/v2.0/networks?sort_key=name&sort_dir=desc').expect(200);
    const names = (byName.body.networks as Listed[]).map((n) => n.name);
    expect(names).to.deep.equal(['sp2-1', 'sp2-0', 'sp1-1', 'sp1-0', 'idp-1', 'idp-0']);
    const ids = (byName.body.networks as Listed[]).map((n) => n.id);
    const after = await gw.get(`/network/v2.0/networks?sort_key=name&sort_dir=desc&limit=2&marker=${ids[1]}`).expect(200);
    expect((after.body.networks as Listed[]).map((n) => n.name)).to.deep.equal(['sp1-1', 'sp1-0']);
    const before = await gw.get(`/network/v2.0/networks?sort_key=name&sort_dir=desc&limit=2&marker=${ids[4]}&page_reverse=true`).expect(200);
    expect((before.body.networks as Listed[]).map((n) => n.name)).to.deep.equal(['sp1-1', 'sp1-0']);
    expect(((await gw.get('/network/v2.0/networks?limit=0').expect(200)).body.networks as Listed[]).length).to.equal(6);
    const fields = await gw.get('/network/v2.0/networks?fields=name&sort_key=name&sort_dir=asc&limit=3').expect(200);
    expect(fields.body.networks).to.deep.equal([{ name: 'idp-0' }, { name: 'idp-1' }, { name: 'sp1-0' }]);
    expect(new URL(links(fields.body)[0].href).searchParams.getAll('fields')).to.deep.equal(['name']);
  });

  it('refuses what Neutron refuses: sort_key without its sort_dir (400, before any cloud is asked); a sort key Neutron lacks is its 400', async () => {
    seedNetworks(1);
    await gw.get('/network/v2.0/networks?sort_key=name').expect(400);
    expect(gw.federation.clouds.map((cloud) => gw.neutron(cloud.name).requests.length)).to.deep.equal([0, 0, 0]);
    const refused = await gw.get('/network/v2.0/networks?sort_key=created_at&sort_dir=asc').expect(400);
    expect(refused.body.error.message).to.include('invalid attribute for sort_keys');
  });

  it('merges security groups and ports under their own keys, `.json` paths too', async () => {
    const groups = await gw.get('/network/v2.0/security-groups.json?name=default').expect(200);
    expect((groups.body.security_groups as Listed[]).map((g) => g.name)).to.deep.equal(['default', 'default', 'default']);
    for (const cloud of gw.federation.clouds) {
      const network = gw.neutron(cloud.name).seed('networks', gw.projectAt(cloud));
      gw.neutron(cloud.name).seed('ports', gw.projectAt(cloud), { network_id: network.id, name: `port-${cloud.name}` });
    }
    const ports = await gw.get('/network/v2.0/ports.json?limit=2&sort_key=name&sort_dir=asc').expect(200);
    expect((ports.body.ports as Listed[]).map((p) => p.name)).to.deep.equal(['port-idp', 'port-sp1']);
    const next = links(ports.body, 'ports').find((link) => link.rel === 'next') as Link;
    expect(new URL(next.href).pathname).to.equal('/network/v2.0/ports.json');
    expect(((await gw.get(through(next.href)).expect(200)).body.ports as Listed[]).map((p) => p.name)).to.deep.equal(['port-sp2']);
  });
});
