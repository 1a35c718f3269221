import { expect } from 'chai';
import type { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { createStore } from '@k2k/store';
import { startFederation, startMemcached, type Federation } from '@k2k/testing';
import { IDENTITY_HEADERS } from '@k2k/common';
import { keystoneAuth, type KeystoneAuthMiddleware } from '../src/index.js';
import { authOptions, echoApp, passwordToken, recordingLogger } from './fixtures.js';

describe('keystoneAuth', () => {
  let federation: Federation;
  const middlewares: KeystoneAuthMiddleware[] = [];
  const make = (...args: Parameters<typeof authOptions>): KeystoneAuthMiddleware => {
    const middleware = keystoneAuth(authOptions(...args));
    middlewares.push(middleware);
    return middleware;
  };

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
  });

  after(async () => {
    await Promise.all(middlewares.map((m) => m.close()));
    await federation.close();
  });

  beforeEach(() => {
    federation.idp.calls.reset();
    federation.idp.faults.clear();
  });

  const alice = () => federation.idp.issueToken('alice', 'demo');

  for (const flavour of ['express5', 'express4'] as const) {
    it(`sets keystonemiddleware's identity headers and req.keystone (${flavour})`, async () => {
      const { body } = await request(echoApp(make(federation), flavour)).get('/v3/volumes').set('x-auth-token', alice()).expect(200);
      expect(body.headers).to.include({
        'x-identity-status': 'Confirmed',
        'x-user-name': 'alice',
        'x-user-domain-id': 'default',
        'x-user-domain-name': 'Default',
        'x-project-id': federation.env.idpProjectId,
        'x-project-name': 'demo',
        'x-project-domain-id': 'default',
        'x-project-domain-name': 'Default',
        'x-is-admin-project': 'True',
        // the deprecated names keystonemiddleware still sets
        'x-user': 'alice',
        'x-tenant-id': federation.env.idpProjectId,
        'x-tenant-name': 'demo',
        'x-tenant': 'demo',
      });
      expect(body.headers['x-role']).to.equal(body.headers['x-roles']);
      expect(body.headers['x-user-id']).to.match(/^[0-9a-f]{32}$/);
      expect(body.headers['x-roles'].split(',')).to.have.members(['member', 'reader']);
      const catalog = JSON.parse(body.headers['x-service-catalog']);
      const volume = catalog.find((entry: { type: string }) => entry.type === 'volumev3');
      expect(volume.endpoints[0]).to.have.keys('region', 'publicURL', 'internalURL');
      expect(body.keystone).to.deep.include({ roles: body.keystone.roles, isAdminProject: true });
      expect(body.keystone.project).to.deep.equal({ id: federation.env.idpProjectId, name: 'demo', domain: { id: 'default', name: 'Default' } });
      expect(body.keystone.serviceProviders.map((sp: { id: string }) => sp.id)).to.deep.equal(['sp1']);
      expect(JSON.stringify(body.keystone)).to.not.include('gAAAAAB'); // the token itself is not part of the identity
    });
  }

  it('sets the domain headers for a domain-scoped token', async () => {
    const { directory } = federation.idp;
    const admin = directory.user({ name: 'admin', domain: { id: 'default' } });
    directory.grant('admin', admin?.id ?? '', 'default');
    const token = await passwordToken(federation, 'admin', 'adminpw', { domain: { id: 'default' } });
    const { body } = await request(echoApp(make(federation))).get('/').set('x-auth-token', token).expect(200);
    expect(body.headers).to.include({ 'x-domain-id': 'default', 'x-domain-name': 'Default' });
    expect(body.headers).to.not.have.property('x-project-id');
  });

  it('sets OpenStack-System-Scope: all for a system-scoped token, and only then', async () => {
    const app = echoApp(make(federation));
    const system = await passwordToken(federation, 'admin', 'adminpw', { system: { all: true } });
    const admin = await request(app).get('/').set('x-auth-token', system).expect(200);
    expect(admin.body.headers['openstack-system-scope']).to.equal('all');
    expect(admin.body.headers).to.not.have.property('x-project-id');
    expect(admin.body.headers['x-roles'].split(',')).to.include('admin');
    expect(admin.body.keystone.system).to.equal(true);
    const member = await request(app).get('/').set('x-auth-token', alice()).set('OpenStack-System-Scope', 'all').expect(200);
    expect(member.body.headers).to.not.have.property('openstack-system-scope');
    expect(member.body.keystone).to.not.have.property('system');
    expect(IDENTITY_HEADERS).to.include('openstack-system-scope'); // so k2kForward never sends it to another cloud
  });

  it('removes spoofed identity headers, whatever happens next', async () => {
    const spoofed = { 'x-identity-status': 'Confirmed', 'x-roles': 'admin', 'x-project-id': 'evil', 'x-service-roles': 'service', 'x-tenant-id': 'evil', 'x-is-admin-project': 'True', 'openstack-system-scope': 'all' };
    const app = echoApp(make(federation, { delayAuthDecision: true }));
    const anonymous = await request(app).get('/').set(spoofed).expect(200);
    expect(anonymous.body.headers['x-identity-status']).to.equal('Invalid');
    for (const name of ['x-roles', 'x-project-id', 'x-service-roles', 'x-tenant-id', 'x-is-admin-project', 'openstack-system-scope']) expect(anonymous.body.headers).to.not.have.property(name);
    const confirmed = await request(app).get('/').set(spoofed).set('x-auth-token', alice()).expect(200);
    expect(confirmed.body.headers['x-roles']).to.not.include('admin');
    expect(confirmed.body.headers['x-project-id']).to.equal(federation.env.idpProjectId);
    expect(confirmed.body.headers['x-tenant-id']).to.equal(federation.env.idpProjectId); // set from Keystone's answer, not the caller's
    expect(confirmed.body.headers).to.not.have.property('openstack-system-scope');
  });

  it('with identityHeaders false, sets req.keystone only, and still removes spoofed identity headers', async () => {
    const spoofed = { 'x-identity-status': 'Confirmed', 'x-roles': 'admin', 'x-project-id': 'evil', 'x-service-catalog': '[]' };
    const app = echoApp(make(federation, { identityHeaders: false }));
    const { body } = await request(app).get('/').set(spoofed).set('x-auth-token', alice()).expect(200);
    expect(body.keystone.project.id).to.equal(federation.env.idpProjectId);
    for (const name of IDENTITY_HEADERS) expect(body.headers).to.not.have.property(name);
  });

  it('removes identity headers spelled with underscores, which WSGI servers read as the dashed ones', async () => {
    const spoofed = {
      X_Identity_Status: 'Confirmed',
      X_Roles: 'admin',
      X_User_Id: 'evil',
      'X-Project_Id': 'evil',
      X_Service_Roles: 'service',
      X_SERVICE_IDENTITY_STATUS: 'Confirmed',
      OpenStack_System_Scope: 'all',
      X_Tenant_Id: 'evil',
      X_Custom_Thing: 'kept',
    };
    const spoofedNames = Object.keys(spoofed).filter((name) => name !== 'X_Custom_Thing').map((name) => name.toLowerCase());
    const app = echoApp(make(federation, { delayAuthDecision: true }));
    for (const token of [undefined, alice()]) {
      const call = request(app).get('/').set(spoofed);
      const { body } = await (token ? call.set('x-auth-token', token) : call).expect(200);
      for (const name of spoofedNames) expect(body.headers).to.not.have.property(name);
      expect(body.headers['x_custom_thing']).to.equal('kept');
    }
  });

  describe('refusals', () => {
    const unauthorized = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };

    it('answers 401 in OpenStack JSON with WWW-Authenticate for a missing, invalid or expired token', async () => {
      const app = echoApp(make(federation, { wwwAuthenticateUri: 'https://keystone.example/v3' }));
      const expired = alice();
      federation.idp.expireToken(expired);
      for (const token of [undefined, 'gAAAAABnot-a-token', expired]) {
        const call = request(app).get('/v3/volumes');
        const response = await (token ? call.set('x-auth-token', token) : call).expect(401);
        expect(response.body).to.deep.equal(unauthorized);
        expect(response.headers['www-authenticate']).to.equal('Keystone uri="https://keystone.example/v3"');
        expect(response.headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/);
        if (token) expect(response.text).to.not.include(token);
      }
    });

    it('passes the request on as Invalid with a delayed decision', async () => {
      const { body } = await request(echoApp(make(federation, { delayAuthDecision: true }))).get('/').set('x-auth-token', 'gAAAAABbad').expect(200);
      expect(body.headers['x-identity-status']).to.equal('Invalid');
      expect(body.keystone).to.equal(null);
    });

    it('answers 403 when required roles are missing', async () => {
      const anyOf = echoApp(make(federation, { requiredRoles: { anyOf: ['admin', 'operator'] } }));
      const refused = await request(anyOf).get('/').set('x-auth-token', alice()).expect(403);
      expect(refused.body.error).to.include({ code: 403, title: 'Forbidden' });
      const allOf = echoApp(make(federation, { requiredRoles: { allOf: ['member', 'reader'] } }));
      await request(allOf).get('/').set('x-auth-token', alice()).expect(200);
    });

    it('answers 503 when Keystone is down, but cached tokens keep working until they expire', async () => {
      const app = echoApp(make(federation));
      const known = alice();
      await request(app).get('/').set('x-auth-token', known).expect(200);
      const unknown = alice();
      await federation.idp.down();
      try {
        await request(app).get('/').set('x-auth-token', known).expect(200);
        const refused = await request(app).get('/').set('x-auth-token', unknown).expect(503);
        expect(refused.body).to.deep.equal({ error: { code: 503, title: 'Service Unavailable', message: 'The Keystone service is temporarily unavailable.' } });
      } finally {
        await federation.idp.up();
      }
    });

    it('answers 503 when Keystone fails, and logs it without any token', async () => {
      const logger = recordingLogger();
      const app = echoApp(make(federation, { logger }));
      const token = alice();
      federation.idp.faults.set({ status: 500 }, 'tokens.validate');
      await request(app).get('/').set('x-auth-token', token).expect(503);
      federation.idp.faults.clear();
      await request(app).get('/').set('x-auth-token', 'gAAAAABbogus-token-value').expect(401);
      expect(logger.lines.length).to.be.greaterThan(0);
      for (const line of logger.lines) expect(line).to.not.include(token).and.not.include('gAAAAABbogus-token-value');
    });

    it('answers 503 when its own service credentials are refused', async () => {
      const app = echoApp(make(federation, { serviceAuth: { username: 'k2k', password: 'wrong', projectName: 'service' } }));
      await request(app).get('/').set('x-auth-token', alice()).expect(503);
    });
  });

  describe('service tokens', () => {
    it('sets the X-Service-* headers for a valid service token', async () => {
      const service = federation.idp.issueToken('k2k', 'service');
      const { body } = await request(echoApp(make(federation))).get('/').set('x-auth-token', alice()).set('x-service-token', service).expect(200);
      expect(body.headers).to.include({ 'x-service-identity-status': 'Confirmed', 'x-service-user-name': 'k2k', 'x-service-project-name': 'service', 'x-service-user-domain-name': 'Default' });
      expect(body.headers['x-service-roles'].split(',')).to.include('service');
      expect(body.keystone.service.user.name).to.equal('k2k');
    });

    it('refuses an invalid service token (401), or marks it Invalid with a delayed decision', async () => {
      await request(echoApp(make(federation))).get('/').set('x-auth-token', alice()).set('x-service-token', 'gAAAAABbad').expect(401);
      const notAService = alice();
      await request(echoApp(make(federation))).get('/').set('x-auth-token', alice()).set('x-service-token', notAService).expect(401);
      const { body } = await request(echoApp(make(federation, { delayAuthDecision: true }))).get('/').set('x-auth-token', alice()).set('x-service-token', 'gAAAAABbad').expect(200);
      expect(body.headers).to.include({ 'x-service-identity-status': 'Invalid', 'x-identity-status': 'Confirmed' });
    });

    it('accepts an expired user token that comes with a valid service token', async () => {
      const expired = alice();
      federation.idp.expireToken(expired);
      const service = federation.idp.issueToken('k2k', 'service');
      const app = echoApp(make(federation));
      await request(app).get('/').set('x-auth-token', expired).expect(401);
      await request(app).get('/').set('x-auth-token', expired).set('x-service-token', service).expect(200);
    });
  });

  describe('caching', () => {
    it('validates a token once: the next request costs no Keystone call', async () => {
      const app = echoApp(make(federation));
      const token = alice();
      await request(app).get('/').set('x-auth-token', token).expect(200);
      const afterFirst = federation.idp.calls.count();
      await request(app).get('/').set('x-auth-token', token).expect(200);
      await request(app).get('/').set('x-auth-token', token).expect(200);
      expect(federation.idp.calls.count()).to.equal(afterFirst);
      expect(federation.idp.calls.count('tokens.validate')).to.equal(1);
    });

    it("settles a warm request from this process's copy before the middleware returns, counted as a cache hit", async () => {
      const middleware = make(federation);
      const token = alice();
      await request(echoApp(middleware)).get('/').set('x-auth-token', token).expect(200);
      const before = middleware.stats().hits;
      const req = { method: 'GET', url: '/', headers: { 'x-auth-token': token, 'x-roles': 'admin' } } as unknown as IncomingMessage;
      const res = { headersSent: false, hasHeader: () => true, setHeader: () => undefined } as unknown as ServerResponse;
      let passedOn = false;
      middleware(req, res, () => (passedOn = true));
      expect(passedOn).to.equal(true); // no promise between the request and the next middleware
      expect(req.keystone?.user.name).to.equal('alice');
      expect(req.headers['x-roles']).to.not.include('admin'); // the spoofed header replaced by Keystone's answer on this path too
      expect(middleware.stats().hits).to.equal(before + 1);
    });

    it('asks Keystone every time with cacheTtlSeconds: 0 (the cache turned off)', async () => {
      const app = echoApp(make(federation, { cacheTtlSeconds: 0 }));
      const token = alice();
      for (let i = 0; i < 3; i++) await request(app).get('/').set('x-auth-token', token).expect(200);
      expect(federation.idp.calls.count('tokens.validate')).to.equal(3);
    });

    it('makes one Keystone call for many concurrent requests with one new token', async () => {
      const app = echoApp(make(federation));
      await request(app).get('/').set('x-auth-token', alice()).expect(200); // warm the service token
      federation.idp.calls.reset();
      const token = alice();
      federation.idp.faults.set({ latencyMs: 50 }, 'tokens.validate');
      await Promise.all(Array.from({ length: 20 }, () => request(app).get('/').set('x-auth-token', token).expect(200)));
      expect(federation.idp.calls.count('tokens.validate')).to.equal(1);
    });

    it('remembers a token Keystone refused: 100 requests with it cost one validation', async () => {
      const app = echoApp(make(federation));
      const invalid = 'gAAAAABnot-a-token-Keystone-knows';
      federation.idp.faults.set({ latencyMs: 50 }, 'tokens.validate');
      await Promise.all(Array.from({ length: 50 }, () => request(app).get('/').set('x-auth-token', invalid).expect(401)));
      federation.idp.faults.clear();
      for (let i = 0; i < 50; i++) await request(app).get('/').set('x-auth-token', invalid).expect(401);
      expect(federation.idp.calls.count('tokens.validate')).to.equal(1);
    });

    it('remembers a refusal for negativeCacheTtlSeconds only, and not at all with 0', async function () {
      this.timeout(5000);
      const remembering = echoApp(make(federation, { negativeCacheTtlSeconds: 1 }));
      const forgetting = echoApp(make(federation, { negativeCacheTtlSeconds: 0 }));
      const token = alice();
      federation.idp.faults.set({ status: 404 }, 'tokens.validate');
      await request(remembering).get('/').set('x-auth-token', token).expect(401);
      await request(forgetting).get('/').set('x-auth-token', token).expect(401);
      federation.idp.faults.clear();
      await request(forgetting).get('/').set('x-auth-token', token).expect(200);
      await request(remembering).get('/').set('x-auth-token', token).expect(401);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await request(remembering).get('/').set('x-auth-token', token).expect(200);
    });

    it('never remembers an outage: down, timing out, failing, or refusing our service token, then the next request validates', async () => {
      const app = echoApp(make(federation, { timeoutMs: 200 }));
      const token = alice();
      await federation.idp.down();
      try {
        await request(app).get('/').set('x-auth-token', token).expect(503);
      } finally {
        await federation.idp.up();
      }
      await request(app).get('/').set('x-auth-token', token).expect(200);
      const outages = [{ latencyMs: 500 }, { status: 500 }, { status: 503 }, { status: 401 }];
      for (const outage of outages) {
        const fresh = alice();
        federation.idp.faults.set(outage, 'tokens.validate');
        await request(app).get('/').set('x-auth-token', fresh).expect(503);
        federation.idp.faults.clear();
        await request(app).get('/').set('x-auth-token', fresh).expect(200);
      }
    });

    it('never serves a cached validation past the expiry Keystone gave', async function () {
      this.timeout(20_000);
      const shortLived = await startFederation({ serviceProviders: ['sp1'], tokenLifetimeSeconds: 2 });
      try {
        const middleware = make(shortLived, { cacheTtlSeconds: 3600 });
        const app = echoApp(middleware);
        const token = shortLived.idp.issueToken('alice', 'demo');
        await request(app).get('/').set('x-auth-token', token).expect(200);
        await new Promise((resolve) => setTimeout(resolve, 2100));
        await request(app).get('/').set('x-auth-token', token).expect(401);
      } finally {
        await shortLived.close();
      }
    });

    it('shares validations between workers through memcached, sealed with the secret', async () => {
      const memcached = await startMemcached();
      const stores = [0, 1].map(() => createStore({ backend: 'memcached', servers: [memcached.location], secret: 'shared-secret-of-the-workers' }));
      try {
        const [first, second] = stores.map((store) => echoApp(make(federation, { store })));
        const token = alice();
        await request(first).get('/').set('x-auth-token', token).expect(200);
        const calls = federation.idp.calls.count();
        await request(second).get('/').set('x-auth-token', token).expect(200);
        await request(first).get('/').set('x-auth-token', 'gAAAAABrefused-by-Keystone').expect(401);
        await request(second).get('/').set('x-auth-token', 'gAAAAABrefused-by-Keystone').expect(401);
        expect(federation.idp.calls.count()).to.equal(calls + 1);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
        await memcached.kill();
      }
    });
  });

  describe('options', () => {
    it('are checked at construction, naming the option', () => {
      const base = authOptions(federation);
      expect(() => keystoneAuth({ ...base, authUrl: 'http://keystone' })).to.throw(/authUrl: must be Keystone's v3 URL/);
      expect(() => keystoneAuth({ ...base, delayAuthDecison: true } as never)).to.throw(/keystoneAuth\.delayAuthDecison: unknown option; did you mean "delayAuthDecision"/);
      expect(() => keystoneAuth({ ...base, serviceAuth: { username: 'k2k', password: 'x' } } as never)).to.throw(/serviceAuth\.projectName/);
      expect(() => keystoneAuth({ ...base, store: {} as never })).to.throw(/store: must be a store made by createStore/);
      expect(() => keystoneAuth({ ...base, requiredRoles: { anyOf: 'admin' } as never })).to.throw(/requiredRoles\.anyOf: must be a list/);
      expect(() => keystoneAuth({ ...base, serviceAuth: { ...base.serviceAuth!, password: '' } })).to.throw(/serviceAuth\.password/);
      expect(() => keystoneAuth({ ...base, negativeCacheTtlSeconds: -1 })).to.throw(/keystoneAuth\.negativeCacheTtlSeconds: must be an integer from 0 to 86400/);
      expect(() => keystoneAuth({ ...base, negativeCacheTtlSeconds: '10' as never })).to.throw(/keystoneAuth\.negativeCacheTtlSeconds/);
    });
  });
});
