import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { startFederation, type Federation } from '@k2k/testing';
import { keystoneAuth, type KeystoneAuthMiddleware } from '../src/index.js';
import { pathMatches } from '../src/access-rules.js';
import { authOptions } from './fixtures.js';

/**
 * Application credentials, as keystonemiddleware handles them: tokens limited by access rules
 * (validated with OpenStack-Identity-Access-Rules, allowed only for a call a rule names), and a
 * service user that logs in with an application credential.
 */
describe('keystoneAuth and application credentials', () => {
  let federation: Federation;
  const middlewares: KeystoneAuthMiddleware[] = [];
  let limited: string;
  const VOLUMES = '/v3/{project_id}/volumes';

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    federation.idp.addApplicationCredential('alice', 'demo', 'read-volumes', 'cred-secret', [
      { service: 'volumev3', method: 'GET', path: `${VOLUMES}/**` },
      { service: 'volumev3', method: 'GET', path: VOLUMES },
    ]);
    limited = await applicationCredentialToken({ name: 'read-volumes', secret: 'cred-secret', user: { name: 'alice', domain: { id: 'default' } } });
  });

  after(async () => {
    await Promise.all(middlewares.map((middleware) => middleware.close()));
    await federation.close();
  });

  /** keystoneAuth at the service's mount, /volume, before its routes: rules name paths below it. */
  const app = (extra: Parameters<typeof authOptions>[1] = {}) => {
    const auth = keystoneAuth(authOptions(federation, extra));
    middlewares.push(auth);
    return express().use('/volume', auth, (req, res) => {
      res.json({ user: req.keystone?.user.name ?? null });
    });
  };
  const project = () => federation.env.idpProjectId;

  it('lets a limited token make only the calls its rules name, for the service it is mounted for', async () => {
    const volumes = app({ serviceType: 'volumev3' });
    const listed = await request(volumes).get(`/volume/v3/${project()}/volumes?limit=1`).set('x-auth-token', limited).expect(200);
    expect(listed.body.user).to.equal('alice');
    await request(volumes).get(`/volume/v3/${project()}/volumes/detail/more`).set('x-auth-token', limited).expect(200);
    await request(volumes).post(`/volume/v3/${project()}/volumes`).set('x-auth-token', limited).expect(401);
    await request(volumes).get(`/volume/v3/${project()}/snapshots`).set('x-auth-token', limited).expect(401);
    // block-storage is volumev3's official name: the rule's service matches either.
    await request(app({ serviceType: 'block-storage' })).get(`/volume/v3/${project()}/volumes`).set('x-auth-token', limited).expect(200);
  });

  it('refuses a limited token where the service type is unknown or another service', async () => {
    await request(app()).get(`/volume/v3/${project()}/volumes`).set('x-auth-token', limited).expect(401);
    await request(app({ serviceType: 'image' })).get(`/volume/v3/${project()}/volumes`).set('x-auth-token', limited).expect(401);
  });

  it('declares to Keystone that it enforces access rules (without it, Keystone would not validate the token)', async () => {
    const response = await fetch(`${federation.idp.authUrl}/auth/tokens`, { headers: { 'x-auth-token': limited, 'x-subject-token': limited } });
    expect(response.status).to.equal(404);
  });

  it('logs its service user in with an application credential', async () => {
    const id = federation.idp.addApplicationCredential('k2k', 'service', 'gateway', 'gateway-secret');
    const token = federation.idp.issueToken('alice', 'demo');
    await request(app({ serviceAuth: { applicationCredentialId: id, applicationCredentialSecret: 'gateway-secret' } })).get('/volume/v3').set('x-auth-token', token).expect(200);
    await request(app({ serviceAuth: { applicationCredentialId: id, applicationCredentialSecret: 'wrong' } })).get('/volume/v3').set('x-auth-token', token).expect(503);
    expect(() => keystoneAuth(authOptions(federation, { serviceAuth: { applicationCredentialSecret: 's' } }))).to.throw(/serviceAuth\.applicationCredentialId: give applicationCredentialId, or applicationCredentialName with username/);
  });

  it("matches paths as keystonemiddleware does ('*' and '{name}' one segment, '**' any), a literal '.' only a dot", () => {
    expect(pathMatches('/v3/p1/volumes', '/v3/*/volumes')).to.equal(true);
    expect(pathMatches('/v3/p1/x/volumes', '/v3/*/volumes')).to.equal(false);
    expect(pathMatches('/v3/p1/volumes/a/b', '/v3/{project_id}/volumes/**')).to.equal(true);
    expect(pathMatches('/v3/p1/volumes', '/v3/{project_id}/volumes/**')).to.equal(false);
    expect(pathMatches('/v3/p1/volumesX', '/v3/*/volumes')).to.equal(false);
    expect(pathMatches('/v3.0/p1', '/v3.0/*')).to.equal(true);
    expect(pathMatches('/v3x0/p1', '/v3.0/*')).to.equal(false); // a dot is a dot
  });

  async function applicationCredentialToken(credential: object): Promise<string> {
    const response = await fetch(`${federation.idp.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['application_credential'], application_credential: credential } } }),
    });
    await response.body?.cancel();
    const token = response.headers.get('x-subject-token');
    if (response.status !== 201 || !token) throw new Error(`no application credential token: ${response.status}`);
    return token;
  }
});
