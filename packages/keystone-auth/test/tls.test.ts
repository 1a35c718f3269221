import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createTestCa, startFederation, startTlsFront, type Federation, type TestCa, type TlsFront } from '@k2k/testing';
import { keystoneAuth, type KeystoneAuthMiddleware } from '../src/index.js';
import { authOptions, recordingLogger } from './fixtures.js';

/** keystoneAuth in front of a Keystone served over https with a certificate from a private CA. */
describe('keystoneAuth with a private CA (ca)', () => {
  let federation: Federation;
  let trusted: TestCa;
  let front: TlsFront;
  const middlewares: KeystoneAuthMiddleware[] = [];
  const make = (extra: Parameters<typeof authOptions>[1]): KeystoneAuthMiddleware => {
    const middleware = keystoneAuth(authOptions(federation, { authUrl: `${front.url}/v3`, ...extra }));
    middlewares.push(middleware);
    return middleware;
  };

  before(async () => {
    [federation, trusted] = await Promise.all([startFederation({ serviceProviders: ['sp1'] }), createTestCa()]);
    front = await startTlsFront(federation.idp.url, trusted);
  });

  after(async () => {
    await Promise.all(middlewares.map((m) => m.close()));
    await front.close();
    await federation.close();
  });

  /** An app answering with what keystoneAuth left on the request for the middlewares after it. */
  function contextApp(middleware: KeystoneAuthMiddleware): express.Express {
    const app = express();
    app.use(middleware);
    app.use((req, res) => void res.json({ user: req.keystone?.user.name, ca: req.keystoneContext?.ca ?? null }));
    return app;
  }

  it("validates tokens at an https Keystone whose certificate chains to ca, and leaves ca in req.keystoneContext for k2kForward", async () => {
    const { body } = await request(contextApp(make({ ca: trusted.ca }))).get('/v3/volumes').set('x-auth-token', federation.idp.issueToken('alice', 'demo')).expect(200);
    expect(body).to.deep.equal({ user: 'alice', ca: [trusted.ca] });
  });

  it('answers 503 without ca, and logs the certificate failure naming the Keystone, never the token', async () => {
    const logger = recordingLogger();
    const token = federation.idp.issueToken('alice', 'demo');
    const answer = await request(contextApp(make({ logger }))).get('/v3/volumes').set('x-auth-token', token).expect(503);
    expect(answer.body.error.code).to.equal(503);
    expect(JSON.stringify(answer.body)).to.not.include(token);
    const logged = logger.lines.join('\n');
    expect(logged).to.include(`Keystone at ${front.url} failed TLS certificate verification`);
    expect(logged).to.not.include(token);
  });

  it('checks ca at construction, naming the option', () => {
    expect(() => make({ ca: 'not a certificate' })).to.throw(/^keystoneAuth\.ca: holds no PEM certificate/);
    expect(() => make({ ca: [trusted.ca, ''] })).to.throw(/^keystoneAuth\.ca\[1\]: holds no PEM certificate/);
  });
});
