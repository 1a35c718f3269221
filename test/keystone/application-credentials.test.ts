import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware, type KeystoneAuthOptions } from '@k2k/keystone-auth';
import { KeystoneAdmin, type FederationEnv } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';

/**
 * Application credentials against the real IdP: alice's credential limited by access rules
 * (keystoneAuth declares it enforces them, so Keystone validates its tokens, and allows only the
 * calls they name), and the service user logging in with a credential of its own.
 */
describe('keystoneAuth and application credentials, against a real Keystone', function () {
  this.timeout(60_000);
  let env: FederationEnv;
  let alice: KeystoneAdmin;
  let service: KeystoneAdmin;
  const middlewares: KeystoneAuthMiddleware[] = [];

  before(async () => {
    env = realFederation();
    alice = await KeystoneAdmin.login(env.idpAuthUrl, env.user, env.userPassword, env.idpProject);
    service = await KeystoneAdmin.login(env.idpAuthUrl, env.serviceUser, env.servicePassword, env.serviceProject);
  });

  after(async () => {
    await Promise.all(middlewares.map((middleware) => middleware.close()));
    await Promise.all([alice?.undo(), service?.undo()]);
  });

  /** keystoneAuth at the service's mount, as a Cinder-like service mounts it. */
  const app = (extra: Partial<KeystoneAuthOptions>) => {
    const auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, ...extra });
    middlewares.push(auth);
    return express().use('/volume', auth, (req, res) => {
      res.json({ user: req.keystone?.user.name ?? null });
    });
  };

  async function tokenOf(made: { id: string; secret: string }): Promise<string> {
    const response = await fetch(`${env.idpAuthUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: { id: made.id, secret: made.secret } } } }),
    });
    await response.body?.cancel();
    const token = response.headers.get('x-subject-token');
    if (response.status !== 201 || !token) throw new Error(`no application credential token: ${response.status}`);
    return token;
  }

  it('a token limited by access rules: validated by real Keystone, allowed only for the calls its rules name', async () => {
    const limited = await tokenOf(await alice.createApplicationCredential(`k2k-read-volumes-${Date.now()}`, [{ service: 'volumev3', method: 'GET', path: '/v3/*/volumes' }]));
    const volumes = app({ serviceType: 'volumev3' });
    const listed = await request(volumes).get(`/volume/v3/${env.idpProjectId}/volumes`).set('x-auth-token', limited).expect(200);
    expect(listed.body.user).to.equal(env.user);
    await request(volumes).post(`/volume/v3/${env.idpProjectId}/volumes`).set('x-auth-token', limited).expect(401);
    await request(volumes).get(`/volume/v3/${env.idpProjectId}/snapshots`).set('x-auth-token', limited).expect(401);
    await request(app({})).get(`/volume/v3/${env.idpProjectId}/volumes`).set('x-auth-token', limited).expect(401);
  });

  it('the service user logs in with its own application credential', async () => {
    const made = await service.createApplicationCredential(`k2k-gateway-${Date.now()}`);
    const token = await userToken(env);
    await request(app({ serviceAuth: { applicationCredentialId: made.id, applicationCredentialSecret: made.secret } })).get('/volume/v3').set('x-auth-token', token).expect(200);
  });
});
