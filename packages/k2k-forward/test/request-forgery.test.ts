import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createStore, type Store } from '@k2k/store';
import { startFederation, type Federation } from '@k2k/testing';
import { testGateway, userToken, type TestGateway } from './gateway-fixture.js';

/**
 * A request target that names another host ('//host/...' after the mount, or the absolute form
 * 'http://host/...') must never reach that host, least of all with a token: 400, and the canary
 * host hears nothing, whether the request stays local or goes to a service provider.
 */
describe('request targets that name another host', () => {
  let federation: Federation;
  let store: Store;
  let gateway: TestGateway;
  let server: Server;
  let canary: Server;
  let canaryHeard: IncomingHttpHeaders[];
  let token: string;
  let canaryHost: string;

  before(async () => {
    federation = await startFederation();
    store = createStore({ backend: 'memory' });
    gateway = testGateway(federation.env, store);
    token = await userToken(federation.env);
    canary = createServer((req, res) => {
      canaryHeard.push(req.headers);
      res.end('{"stolen": true}');
    });
    server = createServer(gateway.app);
    await Promise.all([once(canary.listen(0, '127.0.0.1'), 'listening'), once(server.listen(0, '127.0.0.1'), 'listening')]);
    canaryHost = `127.0.0.1:${(canary.address() as AddressInfo).port}`;
  });

  after(async () => {
    canary.close();
    server.close();
    server.closeAllConnections();
    await gateway.close();
    await store.close();
    await federation.close();
  });

  beforeEach(() => {
    canaryHeard = [];
  });

  /** Sends a raw request line (the absolute form cannot be sent by ordinary clients) and returns the answer. */
  async function raw(target: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    const lines = [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
    socket.write(lines.join('\r\n')); // not end(): a half-closed client gets no answer
    let text = '';
    for await (const chunk of socket) text += String(chunk);
    const [head, body] = text.split('\r\n\r\n');
    if (!head.startsWith('HTTP/1.1 ')) throw new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`);
    return { status: Number(head.split(' ')[1]), body };
  }

  const cases = (): [string, string][] => [
    ['a path starting with //host (image, local)', `/image//${canaryHost}/x`],
    ['a path starting with //host (volume, local)', `/volume//${canaryHost}/v3/x`],
    ['the absolute form', `http://${canaryHost}/volume/v3/x`],
    ['the absolute form at the image mount', `http://${canaryHost}/image/v2/images`],
    ['an empty segment inside the path', `/image/v2//${canaryHost}/x`],
  ];

  for (const routing of [{}, { 'SERVICE-PROVIDER': 'sp1' }] as Record<string, string>[]) {
    const where = 'SERVICE-PROVIDER' in routing ? 'to sp1' : 'locally';
    it(`answers 400 and contacts no other host ${where}`, async () => {
      for (const [name, target] of cases()) {
        const answer = await raw(target, { 'X-Auth-Token': token, ...routing });
        expect(answer.status, name).to.equal(400);
        expect(JSON.parse(answer.body).error, name).to.include({ code: 400, title: 'Bad Request' });
        expect(answer.body, name).to.not.include(token);
      }
      expect(canaryHeard).to.deep.equal([]);
    });
  }
});
