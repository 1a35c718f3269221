import { expect } from 'chai';
import request from 'supertest';
import type { LocationEvent, ProbeEvent } from '../src/index.js';
import { until } from './gateway-fixture.js';
import { startNetworkGateway, type NetworkGateway } from './network-fixture.js';

/**
 * A `/network` mount (DESIGN "Compute and network") routes Neutron's resources as the volume and
 * image mounts route theirs: a create's location learned (networks, subnets, ports, routers,
 * security groups, floating IPs, each under its own JSON key), an unknown id searched with probes
 * whose answers must describe that resource in Neutron's shape, `<id>@<cloud>` qualified ids,
 * Neutron's `.json` suffix, version discovery with links rewritten; and no cloud answering any id
 * draws another cloud's requests to itself.
 */
describe('k2kForward: Neutron resources located across clouds', () => {
  let gw: NetworkGateway;
  let probes: ProbeEvent[];
  let locations: LocationEvent[];

  before(async () => {
    gw = await startNetworkGateway();
    gw.network.events.on('probe', (event: ProbeEvent) => probes.push(event));
    gw.network.events.on('location', (event: LocationEvent) => locations.push(event));
  });

  after(() => gw.close());

  beforeEach(() => {
    gw.reset();
    probes = [];
    locations = [];
  });

  const sp = (name: string) => gw.federation.cloud(name);
  const seedAt = (cloud: string, collection: string, fields: Record<string, unknown> = {}) => gw.neutron(cloud).seed(collection, gw.projectAt(sp(cloud)), fields);
  const send = (method: 'post' | 'put' | 'delete', path: string, body?: unknown, headers: Record<string, string> = {}) =>
    request(gw.app)[method](path).set({ 'x-auth-token': gw.token, 'content-type': 'application/json', ...headers }).send(body === undefined ? '' : JSON.stringify(body));
  const handled = (method: string) => gw.federation.clouds.map((cloud) => `${cloud.name}:${gw.neutron(cloud.name).calls.calls.filter((c) => c.method === method).length}`);
  const outcomes = () => probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`).sort();

  it('learns where a create went (SERVICE-PROVIDER) and sends show, update and delete there with no header, no search', async () => {
    const created = await send('post', '/network/v2.0/networks', { network: { name: 'net' } }, { 'service-provider': 'sp1' }).expect(201);
    const id = created.body.network.id as string;
    expect(locations).to.deep.equal([{ action: 'learned', resourceType: 'networks', serviceProvider: 'sp1' }]);
    const shown = await gw.get(`/network/v2.0/networks/${id}`).expect(200);
    expect(shown.headers['x-k2k-service-provider']).to.equal('sp1');
    await send('put', `/network/v2.0/networks/${id}.json`, { network: { name: 'renamed' } }).expect(200);
    expect(gw.neutron('sp1').collection('networks').get(id)?.name).to.equal('renamed');
    await send('delete', `/network/v2.0/networks/${id}`).expect(204);
    expect(probes).to.deep.equal([]);
    expect(handled('PUT')).to.deep.equal(['idp:0', 'sp1:1', 'sp2:0']);
  });

  it('learns every kind from its create, under its own JSON key: subnet, port, router, security_group, floatingip', async () => {
    const at = { 'service-provider': 'sp2' };
    const network = (await send('post', '/network/v2.0/networks', { network: { name: 'ext', 'router:external': true } }, at).expect(201)).body.network;
    const made = [
      ['subnets', 'subnet', { network_id: network.id, ip_version: 4, cidr: '192.0.2.0/24' }],
      ['ports', 'port', { network_id: network.id }],
      ['routers', 'router', { name: 'r' }],
      ['security-groups', 'security_group', { name: 'sg' }],
      ['floatingips', 'floatingip', { floating_network_id: network.id }],
    ] as const;
    for (const [collection, key, attrs] of made) {
      const id = (await send('post', `/network/v2.0/${collection}`, { [key]: attrs }, at).expect(201)).body[key].id as string;
      const shown = await gw.get(`/network/v2.0/${collection}/${id}`).expect(200);
      expect(shown.headers['x-k2k-service-provider'], collection).to.equal('sp2');
      expect(shown.body[key].id).to.equal(id);
    }
    expect(probes).to.deep.equal([]);
    expect(locations.map((l) => `${l.resourceType}@${l.serviceProvider}`)).to.deep.equal(['networks@sp2', 'subnets@sp2', 'ports@sp2', 'routers@sp2', 'security-groups@sp2', 'floatingips@sp2']);
  });

  it("learns each network of a bulk create ({\"networks\": [...]}) where it went", async () => {
    const created = await send('post', '/network/v2.0/networks', { networks: [{ name: 'one' }, { name: 'two' }] }, { 'service-provider': 'sp1' }).expect(201);
    const ids = (created.body.networks as { id: string }[]).map((network) => network.id);
    expect(ids).to.have.length(2);
    for (const id of ids) expect((await gw.get(`/network/v2.0/networks/${id}`).expect(200)).headers['x-k2k-service-provider']).to.equal('sp1');
    expect(probes).to.deep.equal([]);
    expect(locations).to.deep.equal([
      { action: 'learned', resourceType: 'networks', serviceProvider: 'sp1' },
      { action: 'learned', resourceType: 'networks', serviceProvider: 'sp1' },
    ]);
  });

  it('finds an id made at an SP directly by search, learns it, and takes <id>@<cloud> (with .json) without one', async () => {
    const group = seedAt('sp2', 'security-groups', { name: 'web' });
    const found = await gw.get(`/network/v2.0/security-groups/${group.id}`).expect(200);
    expect(found.headers['x-k2k-service-provider']).to.equal('sp2');
    await until(() => probes.length === 3);
    expect(outcomes()).to.deep.equal(['local:missing', 'sp1:missing', 'sp2:found']);
    probes = [];
    const port = seedAt('sp1', 'ports', { network_id: seedAt('sp1', 'networks').id });
    const qualified = await gw.get(`/network/v2.0/ports/${port.id}@sp1.json`).expect(200);
    expect([qualified.headers['x-k2k-service-provider'], qualified.body.port.id]).to.deep.equal(['sp1', port.id]);
    expect(gw.neutron('sp1').requests.map((r) => r.path)).to.include(`/v2.0/ports/${port.id}.json`);
    expect(probes).to.deep.equal([]);
  });

  it('a rogue SP answering any network id is never a claimant: what does not describe that network claims nothing', async () => {
    const rogues = [() => ({}), ({ id }: Readonly<Record<string, string>>) => ({ networks: [{ id }] }), ({ id }: Readonly<Record<string, string>>) => ({ port: { id } }), () => ({ network: { id: 'another' } })];
    for (const [i, rogue] of rogues.entries()) {
      gw.reset();
      probes = [];
      const network = seedAt('sp1', 'networks', { name: 'real' });
      gw.neutron('sp1').faults.set({ latencyMs: 100 }, 'networks.show'); // the rogue answers first
      gw.neutron('sp2').faults.set({ rogue }, 'networks.show');
      const answer = await gw.get(`/network/v2.0/networks/${network.id}`).expect(200);
      expect([answer.headers['x-k2k-service-provider'], answer.body.network.id], `rogue ${i}`).to.deep.equal(['sp1', network.id]);
      await until(() => probes.length === 3);
      expect(outcomes(), `rogue ${i}`).to.deep.equal(['local:missing', 'sp1:found', 'sp2:invalid']);
      await send('put', `/network/v2.0/networks/${network.id}`, { network: { name: 'renamed' } }).expect(200);
      expect(handled('PUT'), `rogue ${i}`).to.deep.equal(['idp:0', 'sp1:1', 'sp2:0']);
      await send('delete', `/network/v2.0/networks/0badc0de-0000-4000-8000-00000000a1${i}0`).expect(404);
      expect(handled('DELETE'), `rogue ${i}`).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
    }
  });

  it('a rogue echoing every id in Neutron\'s shape makes it ambiguous: a write is 409 naming both clouds, sent to neither', async () => {
    const network = seedAt('sp1', 'networks', { name: 'real' });
    gw.neutron('sp2').faults.set({ rogue: ({ id }) => ({ network: { id } }) }, 'networks.show');
    const refused = await send('delete', `/network/v2.0/networks/${network.id}`).expect(409);
    expect(refused.body.error.message).to.include('service provider sp1').and.include('service provider sp2');
    expect(handled('DELETE')).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
    expect(locations).to.deep.equal([]);
  });

  it('version discovery and the extension list pass with their links on the gateway; extension and quota paths are no ids', async () => {
    const root = await gw.get('/network/').expect(200);
    expect(root.body.versions[0].links[0].href).to.match(/^http:\/\/127\.0\.0\.1:\d+\/network\/v2\.0\/$/);
    const index = await gw.get('/network/v2.0/').expect(200);
    for (const resource of index.body.resources as { links: { href: string }[] }[]) expect(resource.links[0].href).to.match(/\/network\/v2\.0\/\w+$/);
    await gw.get('/network/v2.0/extensions.json').expect(200);
    await gw.get('/network/v2.0/extensions/router').expect(404); // not in this fake: answered locally, not searched
    expect(probes).to.deep.equal([]);
  });
});
