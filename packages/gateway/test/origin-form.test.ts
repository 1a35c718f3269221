import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { originFormOnly } from '../src/app/origin-form.js';

describe('originFormOnly', () => {
  let server: Server;
  let passed: string[];

  before(async () => {
    server = createServer((req, res) => originFormOnly(req, res, () => (passed.push(req.url ?? ''), res.end('passed'))));
    await once(server.listen(0, '127.0.0.1'), 'listening');
  });

  after(() => {
    server.close();
    server.closeAllConnections();
  });

  beforeEach(() => (passed = []));

  /** The status line and body of a raw request: ordinary clients cannot send the absolute form. */
  async function send(target: string): Promise<{ status: number; body: string }> {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    let text = '';
    for await (const chunk of socket) text += String(chunk);
    const [head, body] = text.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), body };
  }

  it('refuses the absolute form and //host with 400 in OpenStack JSON, before anything else runs', async () => {
    for (const target of ['http://127.0.0.1:1/volume/v3/x', '//127.0.0.1:1/x', '*']) {
      const answer = await send(target);
      expect(answer.status, target).to.equal(400);
      expect(JSON.parse(answer.body).error, target).to.include({ code: 400, title: 'Bad Request' });
    }
    expect(passed).to.deep.equal([]);
  });

  it('lets an ordinary path through', async () => {
    expect(await send('/volume/v3/x?a=b')).to.deep.equal({ status: 200, body: 'passed' });
    expect(passed).to.deep.equal(['/volume/v3/x?a=b']);
  });
});
