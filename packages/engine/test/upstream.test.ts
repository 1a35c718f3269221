import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenStackError } from '@k2k/common';
import { Upstream } from '../src/execute/upstream.js';

/**
 * Upstream's own GETs (a search's probe, a list's read): a kept-alive connection the upstream
 * closed just as it was reused is tried once more, but a request that ran out of time is not:
 * it has failed (504), and a second one would outlive the answer it was sent for.
 */
describe('Upstream: probes and reads on kept-alive connections', () => {
  let server: Server;
  let base: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void;
  let received: number;
  const silent: ServerResponse[] = [];

  before(async () => {
    server = createServer((req, res) => {
      received++;
      answer(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  beforeEach(() => {
    received = 0;
  });

  afterEach(() => {
    for (const res of silent.splice(0)) res.destroy();
  });

  /** The first request answers at once (its connection kept alive for the next); later ones never answer. */
  function fastThenSilent(): void {
    answer = (_req, res) => {
      if (received === 1) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"volume": {"id": "v1"}}');
      silent.push(res);
    };
  }

  it('a probe that ran out of time on a reused connection fails with 504 and is not sent again', async () => {
    fastThenSilent();
    const upstream = new Upstream(5000, 300);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect((await upstream.probe(new URL(`${base}/v1`), {}, 'sp1', 1024)).status).to.equal(200);
      const failed = await upstream.probe(new URL(`${base}/v2`), {}, 'sp1', 1024).then(
        () => expect.fail('a silent upstream answered'),
        (error: unknown) => error,
      );
      expect(failed).to.be.instanceOf(OpenStackError).and.to.include({ status: 504 });
      // Longer than a second probe's own deadline: a retry would have been sent, and failed unheard.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(received).to.equal(2);
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      upstream.close();
    }
  });

  it('a read that ran out of time on a reused connection fails with 504 and is not sent again', async () => {
    fastThenSilent();
    const upstream = new Upstream(300, 300);
    try {
      expect((await upstream.read(new URL(`${base}/v1`), {}, 'sp1', 1024)).status).to.equal(200);
      const failed = await upstream.read(new URL(`${base}/v2`), {}, 'sp1', 1024).then(
        () => expect.fail('a silent upstream answered'),
        (error: unknown) => error,
      );
      expect(failed).to.be.instanceOf(OpenStackError).and.to.include({ status: 504 });
      expect(received).to.equal(2);
    } finally {
      upstream.close();
    }
  });
});
