import { expect } from 'chai';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import express from 'express';
import { createStore } from '@k2k/store';
import { streamUpload, startFederation, startMemcached, type Federation, type MemcachedServer } from '@k2k/testing';
import { k2kForward } from '@k2k/k2k-forward';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import type { ServerProcess } from '../support/server-process.js';
import { startGatewayProcess } from './support/processes.js';

const GIB = 1024 * 1024 * 1024;

describe('streaming through a gateway worker', function () {
  this.timeout(300_000);
  let federation: Federation;
  let memcached: MemcachedServer;
  let gateway: ServerProcess;

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation({ serviceProviders: ['sp1'] }), startMemcached()]);
    gateway = await startGatewayProcess(federation.env, memcached.location);
  });

  after(async () => {
    await gateway.stop();
    await Promise.all([federation.close(), memcached.kill()]);
  });

  it('passes a 1 GB upload to an SP in constant memory', async () => {
    const token = await userToken(federation.env);
    const sp1 = federation.cloud('sp1');
    const image = sp1.image.seed(sp1.projects.demo.id, { name: 'big' });
    const headers = { 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' };
    const before = gateway.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, gateway.rss())), 50);
    try {
      expect(await streamUpload(`${gateway.url}/image/v2/images/${image.id}/file`, headers, GIB)).to.equal(204);
    } finally {
      clearInterval(sampler);
    }
    expect(sp1.image.images.get(image.id)).to.include({ status: 'active', size: GIB });
    console.log(`      gateway worker RSS: ${(before / 2 ** 20).toFixed(0)} MB before, ${(peak / 2 ** 20).toFixed(0)} MB peak during a 1 GB upload`);
    // Memory, not time: buffering any sizeable part of the body would show here.
    expect(peak - before).to.be.lessThan(100 * 2 ** 20);
  });
});

describe('an aborted client request', () => {
  let federation: Federation;
  let upstream: Server;
  let upstreamRequests: IncomingMessage[];
  let app: express.Express;
  let forward: ReturnType<typeof k2kForward>;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    upstreamRequests = [];
    // Reads what comes (as a real service would, so it sees the connection end) and never answers.
    upstream = createServer((req, res) => {
      upstreamRequests.push(req);
      req.on('error', () => {}); // 'aborted': what this test wants to see
      req.resume();
      if (req.url?.endsWith('/broken')) {
        // An upstream that breaks off: a 1 MB answer announced, 64 KB sent, the connection dropped.
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 1024 * 1024 });
        res.write(Buffer.alloc(64 * 1024), () => res.socket?.destroy());
      } else if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(Buffer.alloc(64 * 1024)); // the first part of a download that never ends
      }
    });
    upstream.on('clientError', (_error, socket) => socket.destroy()); // a body cut short
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    forward = k2kForward({ serviceType: 'image', authUrl: federation.idp.authUrl, local: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, store: createStore() });
    app = express();
    app.use(forward);
  });

  after(async () => {
    await forward.close();
    upstream.closeAllConnections();
    upstream.close();
    await federation.close();
  });

  /** Starts a request through the gateway, waits until it reached the upstream, aborts it, and resolves when the upstream side is closed. */
  async function abortMidway(method: 'PUT' | 'GET'): Promise<IncomingMessage> {
    const gatewayServer = app.listen(0, '127.0.0.1');
    await once(gatewayServer, 'listening');
    try {
      upstreamRequests = [];
      const url = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/v2/images/x/file`;
      const client = request(url, { method, headers: method === 'PUT' ? { 'content-length': 10_000_000 } : {} });
      client.on('error', () => {});
      const answered = method === 'GET' ? once(client, 'response') : undefined;
      if (method === 'PUT') client.write(Buffer.alloc(64 * 1024));
      else client.end();
      for (let i = 0; i < 100 && upstreamRequests.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(upstreamRequests).to.have.length(1);
      await answered;
      const closed = once(upstreamRequests[0].socket, 'close');
      client.destroy();
      await closed; // the proxy let go of its upstream connection (mocha's timeout fails the test otherwise)
      return upstreamRequests[0];
    } finally {
      gatewayServer.closeAllConnections();
      gatewayServer.close();
    }
  }

  it('frees the upstream socket mid-upload', async () => {
    expect((await abortMidway('PUT')).complete).to.equal(false);
  });

  it('frees the upstream socket mid-download', async () => {
    await abortMidway('GET');
  });

  it("cuts the client's answer short when the upstream breaks off, and goes on serving", async () => {
    const gatewayServer = app.listen(0, '127.0.0.1');
    await once(gatewayServer, 'listening');
    try {
      const url = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/v2/images/x/broken`;
      for (let attempt = 0; attempt < 2; attempt++) {
        const outcome = await new Promise<{ status?: number; bytes: number; complete: boolean }>((resolve) => {
          let bytes = 0;
          const client = request(url, (res) => {
            res.on('data', (chunk: Buffer) => (bytes += chunk.length));
            res.on('error', () => {}); // 'aborted': the answer was cut short
            res.on('close', () => resolve({ status: res.statusCode, bytes, complete: res.complete }));
          });
          client.on('error', () => resolve({ bytes, complete: false }));
          client.end();
        });
        expect(outcome.status).to.equal(200);
        expect(outcome.complete).to.equal(false);
        expect(outcome.bytes).to.be.below(1024 * 1024);
      }
    } finally {
      gatewayServer.closeAllConnections();
      gatewayServer.close();
    }
  });
});
