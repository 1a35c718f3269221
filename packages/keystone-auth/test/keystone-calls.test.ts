import { expect } from 'chai';
import request from 'supertest';
import { startFederation, type Federation } from '@k2k/testing';
import { keystoneAuth, type KeystoneAuthMiddleware, type KeystoneCallEvent } from '../src/index.js';
import { authOptions, echoApp } from './fixtures.js';

describe("keystoneAuth's Keystone calls, reported for metrics", () => {
  let federation: Federation;
  let auth: KeystoneAuthMiddleware;
  let calls: KeystoneCallEvent[];

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    auth = keystoneAuth(authOptions(federation, { negativeCacheTtlSeconds: 0 }));
    auth.events.on('keystone-call', (event: KeystoneCallEvent) => calls.push(event));
  });

  after(async () => {
    await auth.close();
    await federation.close();
  });

  beforeEach(() => {
    calls = [];
    federation.idp.faults.clear();
  });

  const outcomes = () => calls.map((event) => `${event.call}:${event.outcome}`);

  it('reports the service token and each validation, none for a cached one', async () => {
    const token = federation.idp.issueToken('alice', 'demo');
    await request(echoApp(auth)).get('/v3/volumes').set('x-auth-token', token).expect(200);
    await request(echoApp(auth)).get('/v3/volumes').set('x-auth-token', token).expect(200);
    expect(outcomes()).to.deep.equal(['service-token:ok', 'validate:ok']);
    expect(calls.every((event) => event.durationMs >= 0)).to.equal(true);
  });

  it('tells a refused token from a Keystone that failed', async () => {
    await request(echoApp(auth)).get('/v3/volumes').set('x-auth-token', 'not-a-token').expect(401);
    federation.idp.faults.set({ status: 500 }, 'tokens.validate');
    await request(echoApp(auth)).get('/v3/volumes').set('x-auth-token', federation.idp.issueToken('alice', 'demo')).expect(503);
    expect(outcomes()).to.deep.equal(['validate:refused', 'validate:failed']);
  });
});
