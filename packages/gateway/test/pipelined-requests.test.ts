import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { startFederation, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createLogger } from '../src/app/logger.js';
import { runGateway, type RunningGateway } from '../src/serve/server.js';
import { getOnNewConnection, until } from './fixtures.js';

/** Each image file: far more than the loopback socket buffers hold (about 4 MB a hop here), so an answer the client does not read never finishes. */
const FILE_BYTES = 32 << 20;
const PIPELINED = 4;

/** The local image service: every file starts with its id; counts what it is asked, and how many of the pipelined files (`i-<n>`) it works on at once. */
class ImageFiles {
  readonly asked: string[] = [];
  maxActive = 0;
  private active = 0;
  private readonly file = Buffer.alloc(FILE_BYTES);
  readonly server: Server = createServer((req, res) => {
    const id = /\/v2\/images\/([^/]+)\/file$/.exec(req.url ?? '')?.[1];
    if (!id) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"message": "not found"}');
    this.asked.push(id);
    if (id.startsWith('i-')) {
      this.maxActive = Math.max(this.maxActive, ++this.active);
      res.once('finish', () => this.active--);
    }
    // the marker (another connection's request) is answered small
    const file = id.startsWith('i-') ? Buffer.from(this.file) : Buffer.alloc(64);
    file.write(`${id}\n`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length }).end(file);
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

/** Reads `count` answers of a connection in order: each one's status and the first line of its body (the image id). */
async function readAnswers(socket: Socket, count: number): Promise<{ status: number; firstLine: string; bytes: number }[]> {
  const answers: { status: number; firstLine: string; bytes: number }[] = [];
  let pending = Buffer.alloc(0);
  let body: { status: number; firstLine: string; bytes: number; left: number } | undefined;
  socket.resume();
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (!body) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = pending.subarray(0, end).toString('latin1');
        const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
        if (length === undefined) throw new Error(`an answer without content-length: ${head}`);
        body = { status: Number(head.split(' ')[1]), firstLine: '', bytes: 0, left: Number(length) };
        pending = pending.subarray(end + 4);
      }
      const taken = pending.subarray(0, body.left);
      if (body.bytes === 0 && taken.length > 0) body.firstLine = taken.toString('latin1').split('\n')[0];
      body.bytes += taken.length;
      body.left -= taken.length;
      pending = pending.subarray(taken.length);
      if (body.left > 0) break;
      answers.push({ status: body.status, firstLine: body.firstLine, bytes: body.bytes });
      body = undefined;
      if (answers.length === count) return answers;
    }
  }
  throw new Error(`the connection closed after ${answers.length} of ${count} answers`);
}

/**
 * A client pipelining many costly requests on one connection and reading nothing: the gateway
 * works on one at a time (the next once the previous answer has gone out), so a client that stops
 * reading stops the work it causes; its answers then come in order.
 */
describe('pipelined requests on one connection', function () {
  this.timeout(30_000);
  let federation: Federation;
  let images: ImageFiles;
  let running: RunningGateway;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    images = new ImageFiles();
    await new Promise<void>((resolve) => images.server.listen(0, '127.0.0.1', resolve));
    const config = parseConfig({
      listen: { host: '127.0.0.1', port: 0 },
      keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
      local: { endpoints: { image: images.url } },
      mounts: { '/image': 'image' },
      service_providers: ['sp1'],
      routing: { search_by_broadcast: false }, // every id goes to the local service
      drain: { grace_seconds: 0, timeout_seconds: 1 },
    });
    running = await runGateway(config, createLogger('silent'));
  });

  after(async () => {
    await running.stop();
    images.server.close();
    await federation.close();
  });

  it('works on one at a time while the client reads nothing, then answers all in order', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    const gateway = `http://127.0.0.1:${running.port}`;
    // the token validated once, so the pipelined requests all find it at once
    expect((await getOnNewConnection(`${gateway}/image/v2/images/warm/file`, { 'x-auth-token': token })).status).to.equal(200);
    images.asked.length = 0;
    images.maxActive = 0;

    const socket = connect(running.port, '127.0.0.1');
    socket.pause();
    await once(socket, 'connect');
    const ids = Array.from({ length: PIPELINED }, (_, i) => `i-${i}`);
    socket.write(ids.map((id) => `GET /image/v2/images/${id}/file HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\n\r\n`).join(''));
    await until(() => images.asked.length > 0);
    // A request sent on another connection after the first pipelined one reached the service, and
    // answered: the gateway had all of them parsed long before, so any it were working on would be there too.
    const marker = getOnNewConnection(`${gateway}/image/v2/images/marker/file`, { 'x-auth-token': token });
    await until(() => images.asked.includes('marker'));
    expect(images.asked.filter((id) => id !== 'marker')).to.deep.equal(['i-0']);

    const answers = await readAnswers(socket, PIPELINED);
    socket.destroy();
    expect((await marker).status).to.equal(200);
    expect(answers).to.deep.equal(ids.map((id) => ({ status: 200, firstLine: id, bytes: FILE_BYTES })));
    expect(images.asked.filter((id) => id !== 'marker')).to.deep.equal(ids);
    expect(images.maxActive).to.equal(1);
  });
});
