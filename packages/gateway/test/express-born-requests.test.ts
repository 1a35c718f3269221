import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expressBornRequests } from '../src/serve/express-born-requests.js';
import { createListener } from '../src/serve/http-listener.js';

/** What the app saw of one request: its prototype when the server made it and when the app ran. */
interface Seen {
  atBirth: object | null;
  inApp: object | null;
  appRequest: object;
}

/** Serves on `server` and returns what one GET /echo?x=1 answered. */
async function serveOnce(server: Server): Promise<{ status: number; body: unknown }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/echo?x=1`, { headers: { 'x-probe': 'yes' } });
    return { status: response.status, body: await response.json() };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function echoApp(seen: Partial<Seen>): express.Express {
  const app = express();
  app.get('/echo', (req, res) => {
    seen.inApp = Object.getPrototypeOf(req) as object;
    seen.appRequest = app.request;
    res.status(201).json({ probe: req.get('x-probe'), query: req.query, sameApp: req.app === app });
  });
  return app;
}

/** The prototype each request has when the server emits it, before the app runs. */
function recordBirth(server: Server, seen: Partial<Seen>): void {
  server.prependListener('request', (req: IncomingMessage) => (seen.atBirth = Object.getPrototypeOf(req) as object));
}

describe('requests born with the Express app prototypes', () => {
  it('are made with the prototype Express gives them, so its switch changes nothing, and Express works as before', async () => {
    const seen: Partial<Seen> = {};
    const app = echoApp(seen);
    const server = createServer({ ...expressBornRequests(app) }, app);
    recordBirth(server, seen);
    const { status, body } = await serveOnce(server);
    expect(status).to.equal(201);
    expect(body).to.deep.equal({ probe: 'yes', query: { x: '1' }, sameApp: true });
    expect(seen.atBirth).to.equal(seen.inApp);
    expect(seen.inApp).to.equal(seen.appRequest);
  });

  it("are what the gateway's listener makes", async () => {
    const seen: Partial<Seen> = {};
    const app = echoApp(seen);
    const server = createListener(app, { host: '127.0.0.1', port: 0, requestTimeoutSeconds: 0, headersTimeoutSeconds: 60, keepAliveTimeoutSeconds: 5 });
    recordBirth(server, seen);
    expect((await serveOnce(server)).status).to.equal(201);
    expect(seen.atBirth).to.equal(seen.appRequest);
  });

  it('differ from what a plain server makes, whose requests Express switches', async () => {
    const seen: Partial<Seen> = {};
    const app = echoApp(seen);
    const server = createServer(app);
    recordBirth(server, seen);
    const { status } = await serveOnce(server);
    expect(status).to.equal(201);
    expect(seen.atBirth).to.not.equal(seen.inApp);
    expect(seen.inApp).to.equal(seen.appRequest);
  });
});
