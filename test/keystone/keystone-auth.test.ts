import { expect } from 'chai';
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { keystoneAuth, keystoneErrorHandler, KeystoneStrategy, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import type { FederationEnv } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { echoApp } from '@k2k/keystone-auth/dist/test/fixtures.js';
import { realExpiredToken, realFederation } from './real-keystone.js';

describe('keystoneAuth, against real Keystone', function () {
  this.timeout(30_000);
  let env: FederationEnv;
  let auth: KeystoneAuthMiddleware;
  let app: express.Express;

  before(() => {
    env = realFederation();
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject } });
    app = echoApp(auth);
  });

  after(() => auth.close());

  it("validates the user's token with the service user and sets the identity headers", async () => {
    const { body } = await request(app).get('/').set('x-auth-token', await userToken(env)).expect(200);
    expect(body.headers).to.include({ 'x-identity-status': 'Confirmed', 'x-user-name': env.user, 'x-project-id': env.idpProjectId, 'x-project-name': env.idpProject, 'x-user-domain-name': 'Default' });
    expect(body.headers['x-roles'].split(',')).to.include.members(['member', 'reader']);
    const catalog = JSON.parse(body.headers['x-service-catalog']) as { type: string }[];
    expect(catalog.map((entry) => entry.type)).to.include.members(['volumev3', 'image']);
    expect(body.keystone.serviceProviders.map((sp: { id: string }) => sp.id)).to.deep.equal([env.spId]);
  });

  it('answers the second request from the cache', async () => {
    const token = await userToken(env);
    await request(app).get('/').set('x-auth-token', token).expect(200);
    const hits = auth.stats().hits;
    await request(app).get('/').set('x-auth-token', token).expect(200);
    expect(auth.stats().hits).to.equal(hits + 1);
  });

  it('answers 401 with the Keystone challenge for a bogus token and for an expired one', async () => {
    for (const token of ['gAAAAABbogus-token', await realExpiredToken()]) {
      const response = await request(app).get('/').set('x-auth-token', token).expect(401);
      expect(response.headers['www-authenticate']).to.equal(`Keystone uri="${env.idpAuthUrl}"`);
      expect(response.body.error.code).to.equal(401);
    }
  });

  it('confirms a service token of the service user', async () => {
    const service = await fetch(`${env.idpAuthUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: env.serviceUser, domain: { name: 'Default' }, password: env.servicePassword } } },
          scope: { project: { name: env.serviceProject, domain: { name: 'Default' } } },
        },
      }),
    }).then((response) => response.headers.get('x-subject-token') ?? '');
    const { body } = await request(app).get('/').set('x-auth-token', await userToken(env)).set('x-service-token', service).expect(200);
    expect(body.headers).to.include({ 'x-service-identity-status': 'Confirmed', 'x-service-user-name': env.serviceUser });
  });

  it('authenticates the same way as a Passport strategy', async () => {
    const authenticator = new passport.Passport();
    const strategy = new KeystoneStrategy({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject } });
    authenticator.use(strategy);
    const server = express();
    server.get('/whoami', authenticator.authenticate('keystone', { session: false, failWithError: true }), (req, res) => {
      res.json({ user: (req.user as { user: { name: string } }).user.name });
    });
    server.use(keystoneErrorHandler());
    try {
      expect((await request(server).get('/whoami').set('x-auth-token', await userToken(env)).expect(200)).body).to.deep.equal({ user: env.user });
      await request(server).get('/whoami').set('x-auth-token', 'gAAAAABbogus').expect(401);
    } finally {
      await strategy.close();
    }
  });
});
