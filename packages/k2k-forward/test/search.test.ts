import { expect } from 'chai';
import request from 'supertest';
import type { Logger } from '@k2k/common';
import type { Cloud, Federation } from '@k2k/testing';
import type { LocationEvent, ProbeEvent, SearchEvent } from '../src/index.js';
import { startFederatedGateway, testGateway, until, type FederatedGateway, type TestGateway } from './gateway-fixture.js';

/**
 * Rule 2.4 (DESIGN "One request"): a search against misbehaving clouds, on the simulated
 * federation (IdP + sp1 + sp2) and a real memcached. sp2 plays the rogue: its volume service
 * answers 200 to every GET of a volume, with an empty object or with a well-formed volume echoing
 * the id asked for. No cloud, however it answers, draws another cloud's reads or writes to itself.
 */
describe('k2kForward: search against misbehaving clouds', () => {
  let federation: Federation;
  let gateway: TestGateway;
  let token: string;
  let probes: ProbeEvent[];
  let searches: SearchEvent[];
  let locations: LocationEvent[];
  let warnings: string[];
  let setup: FederatedGateway;

  const logger: Logger = { debug() {}, info() {}, warn: (_fields, message) => void warnings.push(String(message)), error() {} };

  before(async () => {
    setup = await startFederatedGateway({ logger });
    ({ federation, gateway, token } = setup);
    gateway.volume.events.on('probe', (event: ProbeEvent) => probes.push(event));
    gateway.volume.events.on('search', (event: SearchEvent) => searches.push(event));
    gateway.volume.events.on('location', (event: LocationEvent) => locations.push(event));
  });

  after(() => setup.close());

  beforeEach(() => {
    probes = [];
    searches = [];
    locations = [];
    warnings = [];
    for (const cloud of federation.clouds) {
      cloud.volume.faults.clear();
      cloud.volume.reset();
    }
  });

  const idp = () => federation.cloud('idp');
  const sp = (name: string) => federation.cloud(name);
  const volumesPath = (id = '') => `/volume/v3/${federation.env.idpProjectId}/volumes${id && `/${id}`}`;
  const get = (path: string) => request(gateway.app).get(path).set('x-auth-token', token);
  const put = (path: string) => request(gateway.app).put(path).set({ 'x-auth-token': token, 'content-type': 'application/json' }).send({ volume: { name: 'renamed' } });
  const seedAt = (cloud: Cloud, name = 'v') => cloud.volume.seed(cloud.projects.demo.id, { name });
  /** What every cloud's volume service handled, by method (rogue answers included) */
  const handled = (method: string) => federation.clouds.map((cloud) => `${cloud.name}:${cloud.volume.calls.calls.filter((c) => c.method === method).length}`);
  const outcomes = () => probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`).sort();
  const searched = () => until(() => searches.length > 0);
  const echoes = (cloud: Cloud) => cloud.volume.faults.set({ rogue: ({ id }) => ({ volume: { id } }) }, 'volumes.show');

  it('a 200 whose body is not the volume asked for claims nothing: the slow true owner answers and is learned', async () => {
    const volume = seedAt(sp('sp1'));
    sp('sp1').volume.faults.set({ latencyMs: 150 }, 'volumes.show');
    sp('sp2').volume.faults.set({ rogue: () => ({}) }, 'volumes.show');
    const answer = await get(volumesPath(volume.id)).expect(200);
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(answer.body.volume.id).to.equal(volume.id);
    await searched();
    expect(outcomes()).to.deep.equal(['local:missing', 'sp1:found', 'sp2:invalid']);
    expect(searches).to.deep.equal([{ outcome: 'remote', probes: 3 }]);
    expect(warnings.some((w) => w.includes('service provider sp2') && w.includes('not a claimant'))).to.equal(true);
    expect(locations).to.deep.equal([{ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp1' }]);
    // Another volume's body, or no JSON at all, claims nothing either.
    sp('sp2').volume.faults.set({ rogue: () => ({ volume: { id: 'another-volume' } }) }, 'volumes.show');
    probes = [];
    await get(volumesPath(seedAt(sp('sp1')).id)).expect(200);
    sp('sp2').volume.faults.set({ malformed: true }, 'volumes.show');
    await get(volumesPath(seedAt(sp('sp1')).id)).expect(200);
    expect(probes.filter((p) => p.serviceProvider === 'sp2').map((p) => p.outcome)).to.deep.equal(['invalid', 'invalid']);
  });

  it('an id that exists nowhere, a rogue answering 200 to anything: 404, nothing learned, nothing sent', async () => {
    sp('sp2').volume.faults.set({ rogue: () => ({ volume: {} }) }, 'volumes.show');
    const unknown = '0badc0de-0000-4000-8000-00000000a11e';
    await get(volumesPath(unknown)).expect(404);
    expect(outcomes()).to.deep.equal(['local:missing', 'sp1:missing', 'sp2:invalid']);
    expect(locations).to.deep.equal([{ action: 'absent', resourceType: 'volumes' }]);
    const other = '0badc0de-0000-4000-8000-00000000a11f';
    await request(gateway.app).delete(volumesPath(other)).set('x-auth-token', token).expect(404);
    expect(handled('DELETE')).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
  });

  it('an oversized 2xx claims nothing (read bounded)', async () => {
    const small = testGateway(federation.env, setup.store, { jsonBodyLimitBytes: 1024, logger });
    const smallProbes: ProbeEvent[] = [];
    small.volume.events.on('probe', (event: ProbeEvent) => smallProbes.push(event));
    try {
      const volume = seedAt(sp('sp1'));
      sp('sp2').volume.faults.set({ rogue: ({ id }) => ({ volume: { id, padding: 'x'.repeat(4096) } }) }, 'volumes.show');
      const answer = await request(small.app).get(volumesPath(volume.id)).set('x-auth-token', token).expect(200);
      expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
      await until(() => smallProbes.some((p) => p.serviceProvider === 'sp2')); // a read goes on with the first claimant; the other probes finish after
      expect(smallProbes.find((p) => p.serviceProvider === 'sp2')?.outcome).to.equal('invalid');
      expect(warnings.some((w) => w.includes('larger than'))).to.equal(true);
    } finally {
      await small.close();
    }
  });

  it('two valid claimants: a read is answered by one, and the id is ambiguous: not learned, counted, both named', async () => {
    const volume = seedAt(sp('sp1'));
    echoes(sp('sp2'));
    const answer = await get(volumesPath(volume.id)).expect(200);
    expect(['sp1', 'sp2']).to.include(answer.headers['x-k2k-service-provider']);
    await searched();
    expect(searches).to.deep.equal([{ outcome: 'ambiguous', probes: 3 }]);
    expect(outcomes()).to.deep.equal(['local:missing', 'sp1:found', 'sp2:found']);
    expect(locations).to.deep.equal([]);
    const warning = warnings.find((w) => w.includes('both claim'));
    expect(warning).to.include('service provider sp1').and.include('service provider sp2');
    // Nothing remembered: the next request searches again.
    probes = [];
    await get(volumesPath(volume.id)).expect(200);
    await until(() => probes.length === 3); // answered by the first claimant, the other probe finishing after
    expect(probes).to.have.length(3);
  });

  it('two valid claimants: a PUT, a DELETE and an action are refused (409 naming both), sent to neither', async () => {
    const volume = seedAt(sp('sp1'));
    echoes(sp('sp2'));
    sp('sp1').volume.faults.set({ latencyMs: 100 }, 'volumes.show'); // the rogue claims first
    const refused = await put(volumesPath(volume.id)).expect(409);
    expect(refused.body.error).to.include({ code: 409, title: 'Conflict' });
    expect(refused.body.error.message).to.include('service provider sp1').and.include('service provider sp2');
    await request(gateway.app).delete(volumesPath(volume.id)).set('x-auth-token', token).expect(409);
    await request(gateway.app)
      .post(volumesPath(`${volume.id}/action`))
      .set({ 'x-auth-token': token, 'content-type': 'application/json' })
      .send({ 'os-extend': { new_size: 2 } })
      .expect(409);
    for (const method of ['PUT', 'DELETE', 'POST']) expect(handled(method), method).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
    expect(sp('sp1').volume.volumes.get(volume.id)).to.include({ name: 'v', size: 1 });
    expect(searches.map((s) => s.outcome)).to.deep.equal(['ambiguous', 'ambiguous', 'ambiguous']);
    expect(locations).to.deep.equal([]);
  });

  it('a mutation to an unlearned id waits for every probe and goes to the single claimant', async () => {
    const volume = seedAt(sp('sp2'));
    sp('sp2').volume.faults.set({ latencyMs: 100 }, 'volumes.show');
    sp('sp1').volume.faults.set({ rogue: () => ({}) }, 'volumes.show');
    const updated = await put(volumesPath(volume.id)).expect(200);
    expect(updated.headers['x-k2k-service-provider']).to.equal('sp2');
    expect(sp('sp2').volume.volumes.get(volume.id)?.name).to.equal('renamed');
    expect(handled('PUT')).to.deep.equal(['idp:0', 'sp1:0', 'sp2:1']);
    expect(locations).to.deep.equal([{ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp2' }]);
  });

  it("Glance's bare image: the owner's is a claim, an echoed one too, an image of another id is not", async () => {
    const image = sp('sp1').image.seed(sp('sp1').projects.demo.id, { name: 'cirros' });
    sp('sp2').image.faults.set({ rogue: ({ id }) => ({ image: { id: `${id}-not` } }) }, 'images.show');
    try {
      const shown = await request(gateway.app).get(`/image/v2/images/${image.id}`).set('x-auth-token', token).expect(200);
      expect(shown.headers['x-k2k-service-provider']).to.equal('sp1');
      sp('sp2').image.faults.set({ rogue: ({ id }) => ({ id, name: 'echo' }) }, 'images.show');
      const other = sp('sp1').image.seed(sp('sp1').projects.demo.id, { name: 'other' });
      const refused = await request(gateway.app).delete(`/image/v2/images/${other.id}`).set('x-auth-token', token).expect(409);
      expect(refused.body.error.message).to.include('service provider sp1').and.include('service provider sp2');
      expect(sp('sp1').image.images.has(other.id)).to.equal(true);
    } finally {
      sp('sp2').image.faults.clear();
    }
  });

  it('one claimant while another cloud gives no answer: a read is answered but nothing learned; a mutation is refused (502 naming it)', async () => {
    const volume = seedAt(sp('sp1'));
    sp('sp2').volume.faults.set({ status: 503 }, 'volumes.show');
    const shown = await get(volumesPath(volume.id)).expect(200);
    expect(shown.headers['x-k2k-service-provider']).to.equal('sp1');
    await searched();
    expect(locations).to.deep.equal([]);
    const refused = await put(volumesPath(volume.id)).expect(502);
    expect(refused.body.error.message).to.include('service provider sp2');
    expect(handled('PUT')).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
  });

  it('the local cloud validly holding the id is its owner, whatever an SP claims: no SP is asked', async () => {
    const volume = idp().volume.seed(federation.env.idpProjectId, { name: 'home' });
    echoes(sp('sp2'));
    const updated = await put(volumesPath(volume.id)).expect(200);
    expect(updated.headers).to.not.have.property('x-k2k-service-provider');
    expect(outcomes()).to.deep.equal(['local:found']);
    expect(handled('PUT')).to.deep.equal(['idp:1', 'sp1:0', 'sp2:0']);
  });

  it('a location learned from a create outranks what another cloud lists or claims later', async () => {
    const created = await request(gateway.app)
      .post(volumesPath())
      .set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'content-type': 'application/json' })
      .send({ volume: { size: 1, name: 'mine' } })
      .expect(202);
    const id = created.body.volume.id as string;
    // sp2 lists the same id: what a list teaches never replaces what a create taught.
    sp('sp2').volume.faults.set({ rogue: () => ({ volumes: [{ id, name: 'not yours', links: [] }] }) }, 'volumes.list');
    await get(volumesPath()).set('SERVICE-PROVIDER', 'sp2').expect(200);
    // and answers a GET of it sent there by name: nor does what that teaches.
    echoes(sp('sp2'));
    await get(volumesPath(id)).set('SERVICE-PROVIDER', 'sp2').expect(200);
    const renamed = await put(volumesPath(id)).expect(200);
    expect(renamed.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(sp('sp1').volume.volumes.get(id)?.name).to.equal('renamed');
    expect(probes).to.deep.equal([]);
    expect(locations.filter((l) => l.action === 'learned')).to.deep.equal([{ action: 'learned', resourceType: 'volumes', serviceProvider: 'sp1' }]);
  });
});
