import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { startFederation, patternStream, type Federation } from '../src/index.js';
import { aliceToken, http } from './helpers.js';

/** PUTs `size` bytes of pattern data, streamed, and resolves with the status. */
function upload(url: string, token: string, size: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    patternStream(size).pipe(req);
  });
}

describe('ImageService (fake Glance)', () => {
  let federation: Federation;
  let base: string;
  let token: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    base = federation.cloud('idp').image.publicUrl;
    token = aliceToken(federation);
  });

  after(() => federation.close());

  const call = (path: string, init: RequestInit = {}) => http(`${base}${path}`, { ...init, headers: { 'x-auth-token': token, 'content-type': 'application/json', ...init.headers } });

  it('answers version discovery as Glance does, without a token: / (300) and /versions (200)', async () => {
    const root = await http(`${base}/`);
    const explicit = await http(`${base}/versions`);
    expect([root.status, explicit.status]).to.deep.equal([300, 200]);
    const { versions } = explicit.json() as { versions: { id: string; status: string; links: { rel: string; href: string }[] }[] };
    expect(versions[0]).to.deep.equal({ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${base}/v2/` }] });
    expect(versions.map((version) => version.id)).to.include('v2.0');
    expect(root.json()).to.deep.equal(explicit.json());
  });

  it('creates, shows, patches and deletes an image with Glance shapes', async () => {
    const created = await call('/v2/images', { method: 'POST', body: JSON.stringify({ name: 'cirros', disk_format: 'qcow2', container_format: 'bare' }) });
    expect(created.status).to.equal(201);
    const image = created.json() as { id: string; status: string; owner: string; file: string };
    expect(image).to.include({ status: 'queued', owner: federation.env.idpProjectId, file: `/v2/images/${image.id}/file` });
    const patched = await call(`/v2/images/${image.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'cirros-2' }]),
    });
    expect(patched.json()).to.include({ name: 'cirros-2' });
    expect((await call(`/v2/images/${image.id}`, { method: 'PATCH', body: '[]' })).status).to.equal(415);
    expect((await call(`/v2/images/${image.id}`, { method: 'DELETE' })).status).to.equal(204);
    const gone = await call(`/v2/images/${image.id}`);
    expect(gone.status).to.equal(404);
    expect(gone.text).to.include(`No image found with ID ${image.id}`);
  });

  it('lists with paging (limit, marker, next) and sorting', async () => {
    const service = federation.cloud('idp').image;
    service.images.clear();
    for (const name of ['b', 'a', 'c']) service.seed(federation.env.idpProjectId, { name });
    service.seed('another-project', { name: 'hidden' });
    service.seed('another-project', { name: 'shared-with-all', visibility: 'public' });
    const page = (await call('/v2/images?sort=name:asc&limit=2')).json() as { images: { id: string; name: string }[]; next: string };
    expect(page.images.map((i) => i.name)).to.deep.equal(['a', 'b']);
    const rest = (await call(page.next)).json() as { images: { name: string }[]; next?: string };
    expect(rest.images.map((i) => i.name)).to.deep.equal(['c', 'shared-with-all']);
    expect(rest.next).to.equal(undefined);
  });

  it('streams a large upload in constant memory and serves small data back', async function () {
    this.timeout(120_000);
    const image = federation.cloud('idp').image.seed(federation.env.idpProjectId, { name: 'big' });
    const size = 512 * 1024 * 1024;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      expect(await upload(`${base}/v2/images/${image.id}/file`, token, size)).to.equal(204);
    } finally {
      clearInterval(sampler);
    }
    const stored = federation.cloud('idp').image.images.get(image.id);
    expect(stored).to.include({ status: 'active', size });
    const expected = createHash('sha256');
    await new Promise<void>((resolve) => patternStream(size).on('data', (chunk: Buffer) => expected.update(chunk)).on('end', resolve));
    expect(stored?.sha256).to.equal(expected.digest('hex'));
    // Memory, not time: the upload is never held; 512 MB through a buffer would show here.
    expect(peak - before).to.be.lessThan(128 * 1024 * 1024);

    const small = federation.cloud('idp').image.seed(federation.env.idpProjectId);
    expect(await upload(`${base}/v2/images/${small.id}/file`, token, 1000)).to.equal(204);
    const data = await fetch(`${base}/v2/images/${small.id}/file`, { headers: { 'x-auth-token': token } });
    expect(Buffer.from(await data.arrayBuffer())).to.deep.equal(Buffer.alloc(1000, 'k2k-image-data/'));
  });

  it('serves a seeded image of synthetic data', async () => {
    const image = federation.cloud('idp').image.seed(federation.env.idpProjectId, { patternBytes: 200_000 });
    const data = await fetch(`${base}/v2/images/${image.id}/file`, { headers: { 'x-auth-token': token } });
    expect(data.headers.get('content-length')).to.equal('200000');
    expect((await data.arrayBuffer()).byteLength).to.equal(200_000);
  });
});
