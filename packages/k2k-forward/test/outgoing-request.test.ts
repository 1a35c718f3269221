import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { SEED, startFederation, startMemcached, type Cloud, type Federation, type MemcachedServer, type ReceivedRequest } from '@k2k/testing';
import { pseudonymousProjectName, type PlacementCandidate } from '../src/index.js';
import { testGateway, until, userToken, type TestGateway } from './gateway-fixture.js';

const SECRET = 'outgoing-request-tests-secret-0123456789';
const TIMEOUT_MS = 1500;
const CALLER_REQUEST_ID = 'req-0b5f7c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Where a request goes: the routing header naming it, its cloud, the project there, whose token must arrive. */
interface Target {
  name: string;
  serviceProvider: string;
  cloud: () => Cloud;
  project: () => string;
  /** The user the token that arrives belongs to; 'caller' for the caller's own token (the local cloud) */
  tokenOf: 'caller' | string;
  reseller: boolean;
}

/** One request of a method, built against a target's cloud (what it needs seeded there) and what must arrive. */
interface Exchange {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  status: number;
  /** The service's log of what arrived, for this exchange */
  arrivals: () => ReceivedRequest[];
}

/**
 * Every client request takes the one outgoing-request path of ours, whatever it carries: with
 * `Expect: 100-continue` (the body sent only once the gateway answered 100, as curl -T does), a
 * chunked body, pipelined requests on one connection, or an Upgrade attempt, at the local cloud,
 * an SP, a reseller SP, a placed create, a create whose name routing read, and a silent upstream.
 * Each test checks what ARRIVED at the simulated service.
 */
describe('k2kForward: every request takes the same outgoing-request path (Expect, chunked, pipelined, Upgrade)', () => {
  let federation: Federation;
  let memcached: MemcachedServer;
  let store: Store;
  let gateway: TestGateway;
  let server: Server;
  let port: number;
  let token: string;
  let serviceToken: string;
  let customerProjectId: string;

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'outgoing-request-tests-store-0123' });
    gateway = testGateway(federation.env, store, { identity: { sp1: 'reseller' }, reseller: { secret: SECRET }, placement: 'headroom', timeoutMs: TIMEOUT_MS });
    server = createServer(gateway.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    token = await userToken(federation.env);
    serviceToken = await userToken(federation.env, federation.env.serviceProject, { name: federation.env.serviceUser, password: federation.env.servicePassword });
    // What `k2k-gateway sync` provisions at a reseller SP: the customer's pseudonymous project, the reseller group's role on it.
    const { directory } = federation.sp('sp1');
    const customer = directory.addProject(pseudonymousProjectName(SECRET, federation.env.idpProjectId));
    directory.grant('member', directory.groups.find((group) => group.name === SEED.resellerGroup)?.id ?? '', customer.id);
    customerProjectId = customer.id;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await gateway.close();
    await store.close();
    await Promise.all([federation.close(), memcached.kill()]);
  });

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.volume.faults.clear();
      cloud.image.reset();
    }
    // headroom places a create without a header on sp2: the most quota left.
    federation.cloud('idp').volume.setQuota(federation.env.idpProjectId, { gigabytes: 10 });
    federation.cloud('sp1').volume.setQuota(customerProjectId, { gigabytes: 20 });
    federation.cloud('sp2').volume.setQuota(federation.cloud('sp2').projects.demo.id, { gigabytes: 500 });
  });

  const LOCAL: Target = { name: 'the local cloud', serviceProvider: 'default', cloud: () => federation.cloud('idp'), project: () => federation.env.idpProjectId, tokenOf: 'caller', reseller: false };
  const SP: Target = { name: 'an SP (sp2)', serviceProvider: 'sp2', cloud: () => federation.cloud('sp2'), project: () => federation.cloud('sp2').projects.demo.id, tokenOf: SEED.user.name, reseller: false };
  const RESELLER: Target = { name: 'a reseller SP (sp1)', serviceProvider: 'sp1', cloud: () => federation.cloud('sp1'), project: () => customerProjectId, tokenOf: SEED.service.name, reseller: true };

  const volumesPath = (id = '') => `/volume/v3/${federation.env.idpProjectId}/volumes${id && `/${id}`}`;
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  /** Bytes of every value, in more than one of Node's chunks */
  const upload = Buffer.from(Array.from({ length: 300 * 1024 }, (_byte, i) => i % 251));

  /** What a caller sends beside its token: none of it may reach an SP (nor the routing header anywhere). */
  const callerHeaders = (target: Target) => ({
    'x-auth-token': token,
    'x-service-token': serviceToken,
    authorization: 'Bearer caller-secret',
    'proxy-authorization': 'Basic cHJveHk6c2VjcmV0',
    'x-forwarded-for': '203.0.113.7',
    'x-openstack-request-id': CALLER_REQUEST_ID,
    'service-provider': target.serviceProvider,
  });

  function exchange(method: string, target: Target): Exchange {
    const cloud = target.cloud();
    const volumes = () => cloud.volume.requests;
    const images = () => cloud.image.requests;
    switch (method) {
      case 'GET':
      case 'HEAD':
        return { method, path: volumesPath(cloud.volume.seed(target.project()).id), status: 200, arrivals: volumes };
      case 'DELETE':
        return { method, path: volumesPath(cloud.volume.seed(target.project()).id), status: 202, arrivals: volumes };
      case 'POST':
        return { method, path: volumesPath(), headers: { 'content-type': 'application/json' }, body: json({ volume: { name: 'created', size: 1, description: 'd'.repeat(2000) } }), status: 202, arrivals: volumes };
      case 'PUT':
        return { method, path: `/image/v2/images/${cloud.image.seed(target.project()).id}/file`, headers: { 'content-type': 'application/octet-stream' }, body: upload, status: 204, arrivals: images };
      case 'PATCH':
        return {
          method,
          path: `/image/v2/images/${cloud.image.seed(target.project()).id}`,
          headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
          body: json([{ op: 'replace', path: '/name', value: 'renamed' }]),
          status: 200,
          arrivals: images,
        };
      default:
        throw new Error(`no exchange for ${method}`);
    }
  }

  /** The name of the user a token a cloud's service received belongs to, as that cloud's Keystone knows it. */
  function userOf(cloud: Cloud, received: unknown): string | undefined {
    const keystone = cloud.name === 'idp' ? federation.idp : federation.sp(cloud.name);
    const check = keystone.inspectToken(String(received));
    return check.ok ? keystone.directory.user({ id: check.token.userId })?.name : undefined;
  }

  /** What every request that arrived at `target` must be: the right token, no routing or hop-by-hop header, ours set. */
  function expectForwarded(arrived: ReceivedRequest, target: Target): void {
    const { headers } = arrived;
    if (target.tokenOf === 'caller') expect(headers['x-auth-token'], 'the token').to.equal(token);
    else {
      expect(headers['x-auth-token'], 'the token').to.not.equal(token);
      expect(userOf(target.cloud(), headers['x-auth-token']), "the token's user").to.equal(target.tokenOf);
      expect(JSON.stringify(headers), 'an IdP token in any header').to.not.include(token).and.not.include(serviceToken);
      for (const name of ['x-service-token', 'authorization']) expect(headers, name).to.not.have.property(name);
    }
    for (const name of ['service-provider', 'expect', 'upgrade', 'proxy-authorization', 'x-hop']) expect(headers, name).to.not.have.property(name);
    expect(headers.connection ?? '', 'connection').to.not.match(/upgrade/i);
    expect(headers['mm-proxy-list']).to.equal('test-gateway');
    if (target.reseller) {
      expect(headers).to.not.have.property('x-forwarded-for');
      expect(headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/).and.not.equal(CALLER_REQUEST_ID);
    } else expect(headers['x-openstack-request-id']).to.equal(CALLER_REQUEST_ID);
  }

  /** The body that arrived is the one sent, whole. */
  function expectBody(arrived: ReceivedRequest, sent: Buffer | undefined): void {
    if (!sent) return void expect(arrived.bodyBytes).to.equal(0);
    expect(arrived.bodyBytes).to.equal(sent.length);
    if (arrived.body !== undefined) expect(arrived.body).to.deep.equal(JSON.parse(sent.toString()));
  }

  /** Sends as curl -T does: `Expect: 100-continue`, the body only once the gateway answered 100 Continue; chunked when told. */
  function sendExpecting(method: string, path: string, headers: Record<string, string>, body?: Buffer, chunked = false): Promise<Answer> {
    const length = body && (chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) });
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, expect: '100-continue', ...length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      });
      req.once('error', reject);
      req.once('continue', () => {
        if (body && chunked) for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
        req.end(chunked ? undefined : body);
      });
    });
  }

  /** Writes raw bytes on one connection and reads until the gateway closes it; the statuses of the answers (a status line may follow a body on its line), 100 Continue left out. */
  function rawExchange(bytes: string): Promise<number[]> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.once('error', reject);
      socket.once('close', () => {
        const text = Buffer.concat(chunks).toString();
        resolve([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1])).filter((status) => status !== 100));
      });
    });
  }

  const rawHead = (method: string, path: string, headers: Record<string, string>) =>
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;
  const rawRequest = (method: string, path: string, headers: Record<string, string>, body = '') => rawHead(method, path, { ...headers, 'content-length': String(Buffer.byteLength(body)) }) + body;

  for (const target of [LOCAL, SP, RESELLER]) {
    for (const method of ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE']) {
      it(`${method} with Expect: 100-continue to ${target.name}: the outgoing request of ours, the whole body`, async () => {
        const sent = exchange(method, target);
        const answer = await sendExpecting(method, sent.path, { ...callerHeaders(target), ...sent.headers }, sent.body);
        expect(answer.status, answer.body).to.equal(sent.status);
        const arrivals = sent.arrivals().filter((arrived) => arrived.method === method);
        expect(arrivals).to.have.length(1);
        expectForwarded(arrivals[0], target);
        expectBody(arrivals[0], sent.body);
      });
    }
  }

  for (const target of [LOCAL, SP, RESELLER]) {
    it(`a chunked body without Content-Length, with Expect, to ${target.name}: arrives whole`, async () => {
      for (const method of ['POST', 'PUT']) {
        const sent = exchange(method, target);
        const answer = await sendExpecting(method, sent.path, { ...callerHeaders(target), ...sent.headers }, sent.body, true);
        expect(answer.status, answer.body).to.equal(sent.status);
        const [arrived] = sent.arrivals().filter((received) => received.method === method);
        expectForwarded(arrived, target);
        expectBody(arrived, sent.body);
      }
    });
  }

  it('a create with Expect that names no cloud is placed (sp2), and sp2 gets its own token and the whole body', async () => {
    const body = json({ volume: { name: 'placed', size: 1, description: 'p'.repeat(2000) } });
    const { 'service-provider': _routing, ...headers } = callerHeaders(SP);
    const answer = await sendExpecting('POST', volumesPath(), { ...headers, 'content-type': 'application/json' }, body);
    expect(answer.status, answer.body).to.equal(202);
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp2');
    const [arrived] = federation.cloud('sp2').volume.requests.filter((received) => received.method === 'POST');
    expectForwarded(arrived, SP);
    expectBody(arrived, body);
  });

  it("a create with Expect named x@default, whose body routing read: re-sent whole to the local cloud, the name without its qualifier", async () => {
    const body = json({ volume: { name: 'x@default', size: 1, description: 'q'.repeat(2000) } });
    const { 'service-provider': _routing, ...headers } = callerHeaders(LOCAL);
    const answer = await sendExpecting('POST', volumesPath(), { ...headers, 'content-type': 'application/json' }, body);
    expect(answer.status, answer.body).to.equal(202);
    const [arrived] = federation.cloud('idp').volume.requests.filter((received) => received.method === 'POST');
    expectForwarded(arrived, LOCAL);
    expect(arrived.body).to.deep.equal({ volume: { name: 'x', size: 1, description: 'q'.repeat(2000) } });
  });

  for (const target of [LOCAL, SP]) {
    it(`a silent upstream at ${target.name}, with Expect: 504 naming it, not a hang`, async () => {
      target.cloud().volume.faults.set({ latencyMs: 10 * TIMEOUT_MS }, 'volumes.create');
      const sent = exchange('POST', target);
      const answer = await sendExpecting('POST', sent.path, { ...callerHeaders(target), ...sent.headers }, sent.body);
      expect(answer.status, answer.body).to.equal(504);
      expect(JSON.parse(answer.body).error.message).to.equal(`The service at ${target.cloud().name === 'idp' ? 'the local service' : `service provider ${target.serviceProvider}`} did not answer within ${TIMEOUT_MS} ms.`);
    });
  }

  it('pipelined requests with Expect on one connection each take the outgoing request of ours', async () => {
    const volume = federation.cloud('sp1').volume.seed(customerProjectId);
    const doomed = federation.cloud('sp2').volume.seed(SP.project());
    const create = JSON.stringify({ volume: { name: 'x@default', size: 1, description: 'r'.repeat(2000) } });
    const { 'service-provider': _routing, ...local } = callerHeaders(LOCAL);
    const statuses = await rawExchange(
      rawRequest('POST', volumesPath(), { ...local, expect: '100-continue', 'content-type': 'application/json' }, create) +
        rawRequest('GET', volumesPath(volume.id), { ...callerHeaders(RESELLER), expect: '100-continue' }) +
        rawRequest('DELETE', volumesPath(doomed.id), { ...callerHeaders(SP), expect: '100-continue', connection: 'close' }),
    );
    expect(statuses).to.deep.equal([202, 200, 202]);
    const [created] = federation.cloud('idp').volume.requests;
    expectForwarded(created, LOCAL);
    expect(created.body).to.deep.equal({ volume: { name: 'x', size: 1, description: 'r'.repeat(2000) } });
    for (const arrived of federation.cloud('sp1').volume.requests) expectForwarded(arrived, RESELLER);
    for (const arrived of federation.cloud('sp2').volume.requests) expectForwarded(arrived, SP);
    expect(federation.cloud('sp2').volume.volumes.has(doomed.id)).to.equal(false);
  });

  for (const target of [LOCAL, SP, RESELLER]) {
    it(`an Upgrade attempt (Connection: Upgrade, Upgrade: websocket) to ${target.name} goes as a plain request, without them or what Connection names`, async () => {
      const volume = target.cloud().volume.seed(target.project());
      const statuses = await rawExchange(
        rawRequest('GET', volumesPath(volume.id), { ...callerHeaders(target), connection: 'Upgrade, X-Hop, close', 'x-hop': 'for this connection only', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' }),
      );
      expect(statuses).to.deep.equal([200]);
      const arrivals = target.cloud().volume.requests;
      expect(arrivals).to.have.length(1);
      expectForwarded(arrivals[0], target);
    });
  }

  it('a body a parser read before k2kForward: a string re-sent as it is, an object as JSON, a form refused (500) with nothing sent', async () => {
    const { 'service-provider': _routing, ...headers } = callerHeaders(SP);
    const volume = { volume: { name: 'parsed', size: 1 } };
    for (const parser of [express.text({ type: 'application/json' }), express.json()]) {
      const app = express().use(gateway.auth, parser).use('/volume', gateway.volume);
      await request(app).post(volumesPath()).set(headers).set('service-provider', 'sp2').send(volume).expect(202);
    }
    const arrivals = federation.cloud('sp2').volume.requests;
    expect(arrivals.map((arrived) => arrived.body)).to.deep.equal([volume, volume]);
    for (const arrived of arrivals) expectForwarded(arrived, SP);
    const form = express().use(gateway.auth, express.urlencoded({ extended: false })).use('/volume', gateway.volume);
    const refused = await request(form).post(volumesPath()).set(headers).set('service-provider', 'sp2').type('form').send('volume=parsed').expect(500);
    expect(refused.body.error.message).to.match(/consumed before k2kForward/);
    expect(federation.cloud('sp2').volume.requests).to.have.length(2);
  });

  it('a client gone mid-upload is not counted against the cloud it was sending to (its health)', async () => {
    const seen: (readonly PlacementCandidate[])[] = [];
    const own = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'outgoing-request-tests-health-0123' });
    const placing = testGateway(federation.env, own, {
      placement: (_placed, candidates) => {
        seen.push(candidates);
        return 'sp2';
      },
    });
    const placingServer = createServer(placing.app);
    await new Promise<void>((resolve) => placingServer.listen(0, '127.0.0.1', resolve));
    try {
      const image = federation.cloud('sp2').image.seed(SP.project());
      const socket = connect((placingServer.address() as AddressInfo).port, '127.0.0.1');
      const headers = { ...callerHeaders(SP), expect: '100-continue', 'content-type': 'application/octet-stream', 'content-length': String(upload.length) };
      socket.write(rawHead('PUT', `/image/v2/images/${image.id}/file`, headers));
      await once(socket, 'data'); // 100 Continue
      socket.write(upload.subarray(0, 64 * 1024));
      await until(() => federation.cloud('sp2').image.requests.length === 1);
      socket.destroy();
      while ((await new Promise<number>((resolve) => placingServer.getConnections((_error, count) => resolve(count)))) > 0) await setTimeout(10);
      const { 'service-provider': _routing, ...create } = callerHeaders(SP);
      await request(placing.app).post('/image/v2/images').set(create).send({ name: 'placed' }).expect(201);
      expect(seen).to.have.length(1);
      expect(seen[0].find((candidate) => candidate.name === 'sp2')?.health).to.equal(null);
    } finally {
      placingServer.closeAllConnections();
      await new Promise((resolve) => placingServer.close(resolve));
      await placing.close();
      await own.close();
    }
  });
});
