import { expect } from 'chai';
import express from 'express';
import passport from 'passport';
import request from 'supertest';
import { startFederation, type Federation } from '@k2k/testing';
import type { KeystoneIdentity } from '@k2k/common';
import { keystoneErrorHandler, KeystoneStrategy } from '../src/index.js';
import { authOptions } from './fixtures.js';

describe('KeystoneStrategy (Passport)', () => {
  let federation: Federation;
  const strategies: KeystoneStrategy[] = [];

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
  });

  after(async () => {
    await Promise.all(strategies.map((s) => s.close()));
    await federation.close();
  });

  function app(extra: Parameters<typeof authOptions>[1] = {}): express.Express {
    const authenticator = new passport.Passport();
    const strategy = new KeystoneStrategy(authOptions(federation, extra));
    strategies.push(strategy);
    authenticator.use(strategy);
    const server = express();
    server.use(authenticator.initialize());
    server.get('/whoami', authenticator.authenticate('keystone', { session: false, failWithError: true }), (req, res) => {
      const user = req.user as KeystoneIdentity | undefined;
      res.json({ user: user ?? null, sameAsKeystone: req.user === req.keystone, roles: req.headers['x-roles'] ?? null, status: req.headers['x-identity-status'], underscoredRoles: req.headers['x_roles'] ?? null });
    });
    server.use(keystoneErrorHandler());
    return server;
  }

  it('is named keystone and authenticates with the same core: req.user, req.keystone and the headers', async () => {
    expect(new KeystoneStrategy(authOptions(federation)).name).to.equal('keystone');
    const { body } = await request(app()).get('/whoami').set('x-auth-token', federation.idp.issueToken('alice', 'demo')).set('X_Roles', 'admin').expect(200);
    expect(body.underscoredRoles).to.equal(null);
    expect(body.user.user.name).to.equal('alice');
    expect(body.user.project.name).to.equal('demo');
    expect(body.sameAsKeystone).to.equal(true);
    expect(body.roles.split(',')).to.include('member');
  });

  it('fails a missing or invalid token with 401, the Keystone challenge and an OpenStack JSON body', async () => {
    for (const token of [undefined, 'gAAAAABbad']) {
      const call = request(app()).get('/whoami');
      const response = await (token ? call.set('x-auth-token', token) : call).expect(401);
      expect(response.headers['www-authenticate']).to.equal(`Keystone uri="${federation.idp.authUrl}"`);
      expect(response.body).to.deep.equal({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    }
  });

  it('passes with a delayed decision, leaving req.user unset', async () => {
    const { body } = await request(app({ delayAuthDecision: true })).get('/whoami').set('x-auth-token', 'gAAAAABbad').expect(200);
    expect(body.user).to.equal(null);
    expect(body.status).to.equal('Invalid');
  });

  it('hands 403 and 503 to the error handler as OpenStack errors', async () => {
    await request(app({ requiredRoles: { anyOf: ['admin'] } })).get('/whoami').set('x-auth-token', federation.idp.issueToken('alice', 'demo')).expect(403);
    const token = federation.idp.issueToken('alice', 'demo');
    federation.idp.faults.set({ status: 502 }, 'tokens.validate');
    try {
      const refused = await request(app()).get('/whoami').set('x-auth-token', token).expect(503);
      expect(refused.body.error.code).to.equal(503);
    } finally {
      federation.idp.faults.clear();
    }
  });
});
