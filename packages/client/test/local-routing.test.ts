import { expect } from 'chai';
import http from 'node:http';
import https from 'node:https';
import { createStore, type Store } from '@k2k/store';
import { createTestCa, startFederation, startMemcached, startTlsFront, type Federation, type MemcachedServer, type TestCa, type TlsFront } from '@k2k/testing';
import { k2kClient, type K2KClient } from '../src/index.js';

/**
 * Code written for the local cloud's endpoints, unchanged (DESIGN "The outgoing path"): a plain
 * fetch of the local Cinder's URL reaches a volume held at an SP once the client's routing is
 * installed; other hosts and calls without a token are not touched.
 */
describe('k2kClient: local routing of unchanged code', () => {
  let federation: Federation;
  let memcached: MemcachedServer;
  let store: Store;
  let client: K2KClient;
  let token: string;

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'k2k-local-routing-secret-0123' });
    client = k2kClient({ authUrl: federation.env.idpAuthUrl, store, proxyId: 'test-client' });
    token = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
  });

  after(async () => {
    await client.close();
    await store.close();
    await Promise.all([federation.close(), memcached.kill()]);
  });

  /** What existing code does: the local Cinder's URL from its configuration, the caller's token. */
  const showVolume = (id: string) => fetch(`${federation.cloud('idp').volume.publicUrl}/v3/${federation.env.idpProjectId}/volumes/${id}`, { headers: { 'x-auth-token': token } });

  it('a fetch of the local Cinder URL, unchanged, reaches the volume at sp1 once installed; uninstalled, the local Cinder answers 404 again', async () => {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'remote' });
    const routing = await client.localRouting({ token });
    expect(routing.hosts).to.include(new URL(federation.cloud('idp').volume.publicUrl).origin);
    expect(routing.hosts).to.not.include(new URL(federation.env.idpAuthUrl).origin);
    routing.install();
    try {
      const answer = await showVolume(volume.id);
      expect(answer.status).to.equal(200);
      expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp1');
      expect(((await answer.json()) as { volume: { name: string } }).volume.name).to.equal('remote');
      expect(sp1.volume.requests.map((r) => r.headers['x-auth-token'])).to.not.include(token);
      // Keystone is in the catalog but not routed: a token request reaches it as it is.
      const keystone = await fetch(`${federation.env.idpAuthUrl}/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } });
      expect(keystone.status).to.equal(200);
      expect(keystone.headers.get('x-k2k-service-provider')).to.equal(null);
      await keystone.body?.cancel();
    } finally {
      routing.uninstall();
    }
    const direct = await showVolume(volume.id);
    expect(direct.status).to.equal(404);
    await direct.body?.cancel();
  });

  it("node:http code, unchanged, reaches the volume at sp1 through the routing's Agent as http.globalAgent; a call without a token reaches the local Cinder as it is", async () => {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'remote-over-http' });
    const routing = await client.localRouting({ token });
    const saved = http.globalAgent;
    http.globalAgent = await routing.httpAgent();
    try {
      // What existing node:http code does: no agent of its own, the local Cinder's URL, the caller's token.
      const url = `${federation.cloud('idp').volume.publicUrl}/v3/${federation.env.idpProjectId}/volumes/${volume.id}`;
      const get = (headers: Record<string, string>) =>
        new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
          http
            .get(url, { headers }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (body += chunk));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
            })
            .once('error', reject);
        });
      const answer = await get({ 'x-auth-token': token });
      expect(answer.status).to.equal(200);
      expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
      expect((JSON.parse(answer.body) as { volume: { name: string } }).volume.name).to.equal('remote-over-http');
      const idp = federation.cloud('idp').volume;
      const before = idp.requests.length;
      expect((await get({})).status).to.equal(401);
      expect(idp.requests.length).to.equal(before + 1);
      // A target that would name another host than the connection's (`//host/...`, absolute form): refused, sent nowhere.
      const { host, port } = new URL(url);
      const keystone = new URL(federation.env.idpAuthUrl);
      for (const path of [`//${keystone.host}/v3`, `http://${keystone.host}/v3`]) {
        const status = await new Promise<number>((resolve, reject) => {
          http.get({ host: host.split(':')[0], port, path, headers: { 'x-auth-token': token } }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).once('error', reject);
        });
        expect(status, path).to.equal(400);
      }
      expect(idp.requests.length).to.equal(before + 1);
    } finally {
      http.globalAgent = saved;
      await routing.close();
    }
  });

  it('a call without a token, or to a host outside the catalog, goes to the fetch it replaced, untouched', async () => {
    const routing = await client.localRouting({ token });
    const base = `${federation.cloud('idp').volume.publicUrl}/v3/${federation.env.idpProjectId}/volumes`;
    const noToken = await routing.fetch(base);
    expect(noToken.status).to.equal(401);
    await noToken.body?.cancel();
    const elsewhere = await routing.fetch(`${federation.cloud('sp1').volume.publicUrl}/v3/${federation.env.spProjectId}/volumes`, { headers: { 'x-auth-token': token } });
    // sp1's Cinder itself refuses the IdP's token: nothing exchanged it.
    expect(elsewhere.status).to.equal(401);
    await elsewhere.body?.cancel();
  });
});

/**
 * The same for node:https code, when the local catalog's Cinder is an https endpoint (a private
 * CA, the client's `ca`): the routing's https Agent takes the catalog's https hosts, other https
 * hosts get a usual TLS connection.
 */
describe('k2kClient: local routing of node:https code', () => {
  let federation: Federation;
  let localCa: TestCa;
  let cinderFront: TlsFront;
  let keystoneFront: TlsFront;
  let store: Store;
  let client: K2KClient;
  let token: string;

  before(async () => {
    [federation, localCa] = await Promise.all([startFederation(), createTestCa()]);
    [cinderFront, keystoneFront] = await Promise.all([startTlsFront(federation.cloud('idp').volume.publicUrl, localCa), startTlsFront(federation.idp.url, localCa)]);
    // The IdP's catalog names its Cinder by the https front.
    const volume = federation.cloud('idp').keystone.catalog.services.find((service) => service.type === 'volumev3');
    for (const endpoint of volume?.endpoints ?? []) endpoint.url = `${cinderFront.url}/v3/%(project_id)s`;
    store = createStore();
    client = k2kClient({ authUrl: federation.env.idpAuthUrl, store, ca: localCa.ca, proxyId: 'test-client-https' });
    token = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
  });

  after(async () => {
    await client.close();
    await store.close();
    await Promise.all([cinderFront.close(), keystoneFront.close()]);
    await federation.close();
  });

  /** An https GET as existing code makes it: its own agent and CA, the caller's headers. */
  const get = (url: string, agent: https.Agent, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      https
        .get(url, { agent, ca: localCa.ca, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        })
        .once('error', reject);
    });

  it("reaches the volume at sp1 through httpsAgent() at the local Cinder's https URL; without a token the request is relayed over TLS; Keystone's https host is not routed", async () => {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'remote-over-https' });
    const routing = await client.localRouting({ token });
    expect(routing.hosts).to.include(cinderFront.url);
    try {
      const agent = await routing.httpsAgent();
      const url = `${cinderFront.url}/v3/${federation.env.idpProjectId}/volumes/${volume.id}`;
      const answer = await get(url, agent, { 'x-auth-token': token });
      expect(answer.status).to.equal(200);
      expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
      expect((JSON.parse(answer.body) as { volume: { name: string } }).volume.name).to.equal('remote-over-https');
      expect(sp1.volume.requests.map((r) => r.headers['x-auth-token'])).to.not.include(token);

      // No token: relayed to the local Cinder as it came, over TLS (the front sees a connection).
      const idp = federation.cloud('idp').volume;
      const [requestsBefore, connectionsBefore] = [idp.requests.length, cinderFront.connections];
      expect((await get(url, agent, {})).status).to.equal(401);
      expect(idp.requests.length).to.equal(requestsBefore + 1);
      expect(cinderFront.connections).to.be.above(connectionsBefore);

      // An https host outside the routed endpoints: the agent's own TLS connection to it.
      const keystoneConnections = keystoneFront.connections;
      const keystone = await get(`${keystoneFront.url}/v3/auth/tokens`, agent, { 'x-auth-token': token, 'x-subject-token': token });
      expect(keystone.status).to.equal(200);
      expect(keystone.headers['x-k2k-service-provider']).to.equal(undefined);
      expect(keystoneFront.connections).to.equal(keystoneConnections + 1);
    } finally {
      await routing.close();
    }
  });
});
