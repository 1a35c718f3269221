import { expect } from 'chai';
import { startFederation, type Federation } from '../src/index.js';
import { aliceToken, http } from './helpers.js';

describe('VolumeService (fake Cinder)', () => {
  let federation: Federation;
  let base: string;
  let token: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    base = `${federation.cloud('idp').volume.publicUrl}/v3/${federation.env.idpProjectId}`;
    token = aliceToken(federation);
  });

  after(() => federation.close());

  beforeEach(() => {
    federation.cloud('idp').volume.volumes.clear();
    federation.cloud('idp').volume.reset();
  });

  const call = (path: string, init: RequestInit = {}) => http(`${base}${path}`, { ...init, headers: { 'x-auth-token': token, 'content-type': 'application/json', ...init.headers } });

  it('answers version discovery as Cinder does: / without a token (300), /v3/ with one, /v3 redirected', async () => {
    const root = federation.cloud('idp').volume.publicUrl;
    const versions = await http(`${root}/`);
    expect(versions.status).to.equal(300);
    const [v3] = (versions.json() as { versions: { id: string; version: string; min_version: string; links: { rel: string; href: string }[] }[] }).versions;
    expect(v3).to.include({ id: 'v3.0', version: '3.70', min_version: '3.0' });
    expect(v3.links).to.deep.include({ rel: 'self', href: `${root}/v3/` });
    expect((await http(`${root}/v3/`)).status).to.equal(401);
    const document = await http(`${root}/v3/`, { headers: { 'x-auth-token': token } });
    expect(document.status).to.equal(200);
    expect(document.json()).to.deep.equal(versions.json());
    const redirect = await http(`${root}/v3`, { headers: { 'x-auth-token': token } });
    expect(redirect.status).to.equal(302);
    expect(redirect.headers.get('location')).to.equal(`${root}/v3/`);
  });

  it('builds its links from the Host it was asked at', async () => {
    const volume = federation.cloud('idp').volume.seed(federation.env.idpProjectId);
    const internal = federation.cloud('idp').volume.internalUrl;
    const shown = (await http(`${internal}/v3/${federation.env.idpProjectId}/volumes/${volume.id}`, { headers: { 'x-auth-token': token } })).json() as { volume: { links: { href: string }[] } };
    expect(shown.volume.links.map((link) => link.href)).to.deep.equal([`${internal}/v3/${federation.env.idpProjectId}/volumes/${volume.id}`, `${internal}/${federation.env.idpProjectId}/volumes/${volume.id}`]);
  });

  it("answers Cinder's absolute limits with the project's usage, and refuses a create over quota (413)", async () => {
    const volume = federation.cloud('idp').volume;
    volume.setQuota(federation.env.idpProjectId, { gigabytes: 5, volumes: 2 });
    try {
      expect((await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { size: 3 } }) })).status).to.equal(202);
      const limits = await call('/limits');
      expect(limits.status).to.equal(200);
      const { rate, absolute } = (limits.json() as { limits: { rate: unknown[]; absolute: Record<string, number> } }).limits;
      expect(rate).to.deep.equal([]);
      expect(absolute).to.include({ maxTotalVolumeGigabytes: 5, totalGigabytesUsed: 3, maxTotalVolumes: 2, totalVolumesUsed: 1 });
      const over = await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { size: 3 } }) });
      expect(over.status).to.equal(413);
      expect((over.json() as { overLimit: { message: string } }).overLimit.message).to.match(/^VolumeSizeExceedsAvailableQuota: .* Requested 3G, quota is 5G and 3G has been consumed/);
      expect((await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { size: 1 } }) })).status).to.equal(202);
      const full = await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { size: 1 } }) });
      expect((full.json() as { overLimit: { message: string } }).overLimit.message).to.match(/^VolumeLimitExceeded: Maximum number of volumes allowed \(2\) exceeded/);
      volume.setQuota(federation.env.idpProjectId, { gigabytes: -1, volumes: -1 });
      expect((await call('/limits')).json()).to.have.nested.property('limits.absolute.maxTotalVolumeGigabytes', -1);
    } finally {
      volume.setQuota(federation.env.idpProjectId, { gigabytes: 1000, volumes: 10 });
    }
  });

  it('creates, shows, updates, acts on and deletes a volume with Cinder shapes', async () => {
    const created = await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { name: 'data', size: 2 } }) });
    expect(created.status).to.equal(202);
    const volume = (created.json() as { volume: { id: string; status: string; size: number } }).volume;
    expect(volume).to.include({ status: 'creating', size: 2 });
    expect((await call(`/volumes/${volume.id}`)).json()).to.have.nested.property('volume.status', 'available');
    const updated = await call(`/volumes/${volume.id}`, { method: 'PUT', body: JSON.stringify({ volume: { name: 'renamed' } }) });
    expect(updated.json()).to.have.nested.property('volume.name', 'renamed');
    expect((await call(`/volumes/${volume.id}/action`, { method: 'POST', body: JSON.stringify({ 'os-extend': { new_size: 5 } }) })).status).to.equal(202);
    expect((await call(`/volumes/${volume.id}`)).json()).to.have.nested.property('volume.size', 5);
    expect((await call(`/volumes/${volume.id}`, { method: 'DELETE' })).status).to.equal(202);
    const gone = await call(`/volumes/${volume.id}`);
    expect(gone.status).to.equal(404);
    expect(gone.json()).to.deep.equal({ itemNotFound: { code: 404, message: `Volume ${volume.id} could not be found.` } });
  });

  it('records what it received, on which interface', async () => {
    await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { size: 1 } }), headers: { 'x-openstack-request-id': 'req-1' } });
    await http(`${federation.cloud('idp').volume.internalUrl}/v3/${federation.env.idpProjectId}/volumes`, { headers: { 'x-auth-token': token } });
    const [create, list] = federation.cloud('idp').volume.requests;
    expect(create).to.deep.include({ method: 'POST', path: `/v3/${federation.env.idpProjectId}/volumes`, interface: 'public', body: { volume: { size: 1 } } });
    expect(create.headers['x-openstack-request-id']).to.equal('req-1');
    expect(list.interface).to.equal('internal');
  });

  it('lists with paging (limit, marker, volumes_links) and sorting', async () => {
    const volume = federation.cloud('idp').volume;
    for (const [name, size] of [['b', 3], ['a', 1], ['c', 2]] as const) volume.seed(federation.env.idpProjectId, { name, size });
    const byName = (await call('/volumes/detail?sort_key=name&sort_dir=asc')).json() as { volumes: { name: string }[] };
    expect(byName.volumes.map((v) => v.name)).to.deep.equal(['a', 'b', 'c']);
    const bySize = (await call('/volumes/detail?sort=size:desc')).json() as { volumes: { size: number }[] };
    expect(bySize.volumes.map((v) => v.size)).to.deep.equal([3, 2, 1]);
    const first = (await call('/volumes?sort=name:asc&limit=2')).json() as { volumes: { id: string; name: string }[]; volumes_links: { href: string; rel: string }[] };
    expect(first.volumes.map((v) => v.name)).to.deep.equal(['a', 'b']);
    expect(first.volumes_links[0].rel).to.equal('next');
    const next = new URL(first.volumes_links[0].href);
    expect(next.searchParams.get('marker')).to.equal(first.volumes[1].id);
    const second = (await http(next.href, { headers: { 'x-auth-token': token } })).json() as { volumes: { name: string }[]; volumes_links?: unknown };
    expect(second.volumes.map((v) => v.name)).to.deep.equal(['c']);
    expect(second.volumes_links).to.equal(undefined);
    expect((await call('/volumes?marker=nope')).status).to.equal(404); // Cinder's MarkerNotFound
    expect((await call('/volumes?sort_key=colour')).status).to.equal(400);
  });

  it('answers every v3 call, errors included, with the microversion it served (OpenStack-API-Version, Vary), as Cinder does', async () => {
    const asked = { headers: { 'openstack-api-version': 'volume 3.14' } };
    for (const answer of [await call('/volumes/detail', asked), await call('/volumes/0f0e0d0c-0000-4000-8000-000000000000', asked)]) {
      expect(answer.headers.get('openstack-api-version')).to.equal('volume 3.14');
      expect(answer.headers.get('vary')).to.equal('OpenStack-API-Version');
    }
    expect((await call('/volumes', { headers: { 'openstack-api-version': 'volume latest' } })).headers.get('openstack-api-version')).to.equal('volume 3.70');
    expect((await call('/volumes')).headers.get('openstack-api-version')).to.equal('volume 3.0');
  });

  it("sorts by Cinder's column names as by the fields shown (display_name orders by name), and answers limit=0 with no volumes", async () => {
    const volume = federation.cloud('idp').volume;
    for (const name of ['b', 'a', 'c']) volume.seed(federation.env.idpProjectId, { name });
    const names = async (query: string) => ((await call(`/volumes/detail?${query}`)).json() as { volumes: { name: string }[] }).volumes.map((v) => v.name);
    expect(await names('sort_key=display_name&sort_dir=asc')).to.deep.equal(['a', 'b', 'c']);
    expect(await names('sort=display_name:desc')).to.deep.equal(['c', 'b', 'a']);
    expect(await names('limit=0')).to.deep.equal([]);
  });

  it('refuses a missing token or one of another cloud (401) and another project (403)', async () => {
    expect((await http(`${base}/volumes`)).status).to.equal(401);
    const foreign = federation.sp('sp1').issueToken('admin', 'admin');
    const refused = await http(`${base}/volumes`, { headers: { 'x-auth-token': foreign } });
    expect(refused.status).to.equal(401);
    expect(refused.headers.get('www-authenticate')).to.equal(`Keystone uri="${federation.idp.authUrl}"`);
    const otherProject = federation.idp.issueToken('admin', 'admin');
    expect((await http(`${base}/volumes`, { headers: { 'x-auth-token': otherProject } })).status).to.equal(403);
  });

  it('refuses a bad create body with a Cinder 400', async () => {
    const bad = await call('/volumes', { method: 'POST', body: JSON.stringify({ volume: { size: 'big' } }) });
    expect(bad.status).to.equal(400);
    expect(bad.json()).to.have.nested.property('badRequest.code', 400);
  });

  it('has fault switches of its own', async () => {
    const volume = federation.cloud('idp').volume;
    volume.faults.set({ status: 500 }, 'volumes.list');
    try {
      expect((await call('/volumes')).status).to.equal(500);
    } finally {
      volume.faults.clear();
    }
  });

  it('turns rogue on a fault switch: 200 with what the fault makes of the path, to anyone, for any id', async () => {
    const volume = federation.cloud('idp').volume;
    volume.faults.set({ rogue: ({ id }) => ({ volume: { id } }) }, 'volumes.show');
    try {
      const echoed = await http(`${base}/volumes/no-such-volume`);
      expect(echoed.status).to.equal(200);
      expect(echoed.json()).to.deep.equal({ volume: { id: 'no-such-volume' } });
      expect((await call('/volumes/other', { method: 'DELETE' })).status).to.equal(404); // other routes stay honest
      volume.faults.set({ rogue: () => ({}) });
      expect((await call('/volumes')).json()).to.deep.equal({});
    } finally {
      volume.faults.clear();
    }
  });
});
