import { expect } from 'chai';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { startFederation, type Federation } from '@k2k/testing';
import { testGateway, userToken, type TestGateway } from './gateway-fixture.js';

const SP1 = { 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' };

describe('links in answers, through a gateway (simulated clouds)', () => {
  let federation: Federation;
  let store: Store;
  let gateway: TestGateway;
  let server: Server;
  let url: string;
  let token: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    store = createStore();
    gateway = testGateway(federation.env, store);
    server = gateway.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    token = await userToken(federation.env);
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await gateway.close();
    await store.close();
    await federation.close();
  });

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.image.reset();
    }
  });

  const sp1 = () => federation.cloud('sp1');
  const idpProject = () => federation.env.idpProjectId;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(path.startsWith('http') ? path : `${url}${path}`, { headers: { 'x-auth-token': token, ...headers }, redirect: 'manual' });

  it("follows an SP's next links page by page without leaving the proxy, and its local token never reaches the SP", async () => {
    const sp1Project = sp1().projects.demo.id;
    for (const name of ['a', 'b', 'c']) sp1().volume.seed(sp1Project, { name });
    const names: string[] = [];
    let next: string | undefined = `${url}/volume/v3/${idpProject()}/volumes/detail?sort=name:asc&limit=2`;
    while (next) {
      expect(next.startsWith(`${url}/volume/v3/${idpProject()}/volumes/detail?`), next).to.equal(true);
      const page = (await (await get(next, SP1)).json()) as { volumes: { name: string; links: { href: string }[] }[]; volumes_links?: { href: string; rel: string }[] };
      names.push(...page.volumes.map((volume) => volume.name));
      for (const volume of page.volumes) for (const link of volume.links) expect(link.href.startsWith(`${url}/volume/`), link.href).to.equal(true);
      next = page.volumes_links?.find((link) => link.rel === 'next')?.href;
    }
    expect(names).to.deep.equal(['a', 'b', 'c']);
    const received = sp1().volume.requests;
    expect(received.map((request) => request.query.marker ?? null)).to.have.length(2).and.to.include(null);
    for (const request of received) expect(request.headers['x-auth-token']).to.be.a('string').and.not.equal(token);
    expect(federation.cloud('idp').volume.requests).to.have.length(0);
  });

  it("answers an SP's version discovery with links to the proxy: the root, /v3/, and /v3's redirect", async () => {
    const root = await get('/volume/', SP1);
    expect(root.status).to.equal(300);
    const [v3] = ((await root.json()) as { versions: { links: { rel: string; href: string }[] }[] }).versions;
    expect(v3.links.find((link) => link.rel === 'self')?.href).to.equal(`${url}/volume/v3/`);
    expect(sp1().volume.requests[0].path).to.equal('/');

    const document = await get('/volume/v3/', SP1);
    expect(document.status).to.equal(200);
    expect(sp1().volume.requests[1].path).to.equal('/v3/');

    const redirect = await get('/volume/v3', SP1);
    expect(redirect.status).to.equal(302);
    expect(redirect.headers.get('location')).to.equal(`${url}/volume/v3/`);
  });

  it("rewrites Glance's version document and the Location of a create; keeps its endpoint-relative links", async () => {
    const versions = (await (await get('/image/versions')).json()) as { versions: { links: { href: string }[] }[] };
    expect(new Set(versions.versions.flatMap((version) => version.links.map((link) => link.href)))).to.deep.equal(new Set([`${url}/image/v2/`]));
    const created = await fetch(`${url}/image/v2/images`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json', ...SP1 }, body: JSON.stringify({ name: 'linked' }) });
    const image = (await created.json()) as { id: string; self: string; file: string };
    expect(created.headers.get('location')).to.equal(`${url}/image/v2/images/${image.id}`);
    expect(image).to.include({ self: `/v2/images/${image.id}`, file: `/v2/images/${image.id}/file` });
  });

  it('builds the links on publicUrl when one is configured', async () => {
    const configured = testGateway(federation.env, store, { publicUrl: 'https://cloud.example.com/gw/volume/' });
    try {
      const answer = await request(configured.app).get('/volume/v3/').set('x-auth-token', token).set(SP1).expect(200);
      expect(answer.body.versions[0].links[1].href).to.equal('https://cloud.example.com/gw/volume/v3/');
    } finally {
      await configured.close();
    }
  });
});
