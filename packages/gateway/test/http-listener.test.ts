import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { startFederation, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createLogger } from '../src/app/logger.js';
import { runGateway, type RunningGateway } from '../src/serve/server.js';

const CHUNK = Buffer.alloc(1024, 'x');

/** PUTs `chunks` chunks, one every `everyMs`, and resolves with the answer (which may come before the end). */
function slowUpload(port: number, token: string, chunks: number, everyMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/image/v2/images/i-1/file', agent: false, headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' } });
    let sent = 0;
    const pump = setInterval(() => {
      if (sent++ < chunks) req.write(CHUNK);
      else {
        clearInterval(pump);
        req.end();
      }
    }, everyMs);
    req.on('response', (res) => {
      clearInterval(pump);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => {
      clearInterval(pump);
      reject(error);
    });
  });
}

describe('the listener timeouts', function () {
  this.timeout(15_000);
  let federation: Federation;
  let imageService: Server;
  let running: RunningGateway | undefined;

  before(async () => {
    federation = await startFederation();
    // the local image service: shows image i-1 as Glance does (what the gateway's search probes for
    // an id it has not learned); counts what an upload sends, answers once the whole body is in
    imageService = createServer((req, res) => {
      if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'i-1', status: 'queued' }));
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes })));
    });
    await new Promise<void>((resolve) => imageService.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  after(async () => {
    imageService.close();
    await federation.close();
  });

  async function gatewayWith(listen: Record<string, number>): Promise<RunningGateway> {
    const config = parseConfig({
      listen: { host: '127.0.0.1', port: 0, ...listen },
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { image: `http://127.0.0.1:${(imageService.address() as AddressInfo).port}` } },
      mounts: { '/image': 'image' },
      drain: { grace_seconds: 0, timeout_seconds: 1 },
    });
    running = await runGateway(config, createLogger('silent'));
    return running;
  }

  it('cuts a client that never finishes its headers (slowloris) after the headers timeout', async () => {
    const gateway = await gatewayWith({ headers_timeout_seconds: 1 });
    const started = Date.now();
    const socket = connect(gateway.port, '127.0.0.1');
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await once(socket, 'close');
    expect(Date.now() - started).to.be.within(900, 3000);
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('has no request timeout by default, and lets an upload that takes longer than the headers timeout finish', async () => {
    const gateway = await gatewayWith({ headers_timeout_seconds: 1 });
    expect(gateway.server.requestTimeout).to.equal(0); // node's default, 300 s, cuts multi-GB uploads over a WAN
    const started = Date.now();
    const answer = await slowUpload(gateway.port, federation.idp.issueToken('alice', 'demo'), 10, 250);
    expect(Date.now() - started).to.be.above(2000);
    expect(answer.status).to.equal(201);
    expect(JSON.parse(answer.body)).to.deep.equal({ bytes: 10 * CHUNK.length });
  });

  it('answers 408 to an upload that outlasts a request timeout that is set', async () => {
    const gateway = await gatewayWith({ headers_timeout_seconds: 1, request_timeout_seconds: 1 });
    const answer = await slowUpload(gateway.port, federation.idp.issueToken('alice', 'demo'), 10, 250);
    expect(answer.status).to.equal(408);
  });
});
