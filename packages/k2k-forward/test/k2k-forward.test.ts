import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { startFederation, type Federation } from '@k2k/testing';
import { keystoneCalls, startFederatedGateway, testGateway, userToken, type FederatedGateway, type TestGateway } from './gateway-fixture.js';

const ROUTING = { 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' };

describe('k2kForward through a gateway (simulated clouds, real memcached)', () => {
  let federation: Federation;
  let store: Store;
  let gateway: TestGateway;
  let token: string;

  let setup: FederatedGateway;

  before(async () => {
    setup = await startFederatedGateway();
    ({ federation, store, gateway, token } = setup);
  });

  after(() => setup.close());

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.keystone.faults.clear();
      cloud.volume.faults.clear();
      cloud.volume.reset();
      cloud.image.reset();
    }
  });

  const sp1Volume = () => federation.cloud('sp1').volume;
  const idpProject = () => federation.env.idpProjectId;
  const sp1Project = (name = 'demo') => federation.cloud('sp1').projects[name].id;

  describe('routing headers', () => {
    it('sends SERVICE-PROVIDER + PROJECT-NAME + PROJECT-DOMAIN to the SP, with a remote token and without routing headers', async () => {
      const volume = sp1Volume().seed(sp1Project(), { name: 'remote-vol' });
      const response = await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes/${volume.id}`).set('x-auth-token', token).set(ROUTING).set('OpenStack-API-Version', 'volume 3.59').expect(200);
      expect(response.body.volume).to.include({ id: volume.id, name: 'remote-vol' });
      expect(response.headers['x-k2k-service-provider']).to.equal('sp1');
      const [received] = sp1Volume().requests;
      expect(received.path).to.equal(`/v3/${sp1Project()}/volumes/${volume.id}`);
      expect(received.headers['x-auth-token']).to.be.a('string').and.not.equal(token);
      for (const name of ['service-provider', 'project-name', 'project-domain', 'endpoint-type', 'mm-service-provider', 'mm-project-id', 'x-roles', 'x-user-id', 'x-service-catalog']) {
        expect(received.headers, name).to.not.have.property(name);
      }
      expect(received.headers['openstack-api-version']).to.equal('volume 3.59');
      expect(received.headers['x-openstack-request-id']).to.equal(response.headers['x-openstack-request-id']);
      expect(received.headers['mm-proxy-list']).to.equal('test-gateway');
      expect(received.interface).to.equal('public');
    });

    it("passes on a caller's X-OpenStack-Request-ID as the global request id, and answers with its own", async () => {
      const global = 'req-0b5f7c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b';
      const response = await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).set('X-OpenStack-Request-ID', global).expect(200);
      expect(sp1Volume().requests[0].headers['x-openstack-request-id']).to.equal(global);
      expect(response.headers['x-openstack-request-id']).to.match(/^req-/).and.not.equal(global);
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).set('X-OpenStack-Request-ID', 'req-not-a-uuid').expect(200);
      expect(sp1Volume().requests[1].headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/);
    });

    it('honours ENDPOINT-TYPE (internalURL style too)', async () => {
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set({ ...ROUTING, 'ENDPOINT-TYPE': 'internalURL' }).expect(200);
      expect(sp1Volume().requests[0].interface).to.equal('internal');
    });

    it('honours the mixmatch aliases MM-SERVICE-PROVIDER and MM-PROJECT-ID', async () => {
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set({ 'MM-SERVICE-PROVIDER': 'sp1', 'MM-PROJECT-ID': sp1Project('demo2') }).expect(200);
      expect(sp1Volume().requests[0].path).to.equal(`/v3/${sp1Project('demo2')}/volumes`);
    });

    it("scopes to the project with the caller's project name when none is named", async () => {
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp2').expect(200);
      expect(federation.cloud('sp2').volume.requests[0].path).to.equal(`/v3/${federation.cloud('sp2').projects.demo.id}/volumes`);
    });

    it('forwards to the image service at the SP, adding the version to its unversioned endpoint', async () => {
      const image = federation.cloud('sp1').image.seed(sp1Project(), { name: 'remote-image' });
      const response = await request(gateway.app).get(`/image/v2/images/${image.id}`).set('x-auth-token', token).set(ROUTING).expect(200);
      expect(response.body).to.include({ id: image.id, name: 'remote-image' });
    });

    it('keeps requests without routing headers local, with the user token', async () => {
      const volume = federation.cloud('idp').volume.seed(idpProject(), { name: 'local-vol' });
      const response = await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes/${volume.id}`).set('x-auth-token', token).expect(200);
      expect(response.body.volume.name).to.equal('local-vol');
      expect(response.headers).to.not.have.property('x-k2k-service-provider');
      expect(federation.cloud('idp').volume.requests[0].headers['x-auth-token']).to.equal(token);
      expect(sp1Volume().requests).to.have.length(0);
    });

    it('keeps a request local when SERVICE-PROVIDER names the local cloud', async () => {
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set('SERVICE-PROVIDER', 'default').expect(200);
      expect(federation.cloud('idp').volume.requests).to.have.length(1);
    });

    it('creates with a streamed body and returns the SP answer as-is', async () => {
      const response = await request(gateway.app)
        .post(`/volume/v3/${idpProject()}/volumes`)
        .set('x-auth-token', token)
        .set(ROUTING)
        .send({ volume: { name: 'made-remotely', size: 3 } })
        .expect(202);
      expect(response.body.volume).to.include({ name: 'made-remotely', size: 3, status: 'creating' });
      expect(sp1Volume().requests[0].body).to.deep.equal({ volume: { name: 'made-remotely', size: 3 } });
    });
  });

  describe('remote tokens', () => {
    it('reuses the cached remote token: the second call costs no Keystone call', async () => {
      const fresh = await userToken(federation.env);
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', fresh).set(ROUTING).expect(200);
      const calls = keystoneCalls(federation);
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', fresh).set(ROUTING).expect(200);
      expect(keystoneCalls(federation)).to.equal(calls);
    });

    it('makes one exchange for many concurrent first requests', async () => {
      const fresh = await userToken(federation.env);
      federation.idp.calls.reset();
      federation.idp.faults.set({ latencyMs: 30 }, 'saml2.ecp');
      await Promise.all(Array.from({ length: 16 }, () => request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', fresh).set(ROUTING).expect(200)));
      expect(federation.idp.calls.count('saml2.ecp')).to.equal(1);
    });

    it('retries once with a fresh exchange when the SP refuses the remote token', async () => {
      const fresh = await userToken(federation.env);
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', fresh).set(ROUTING).expect(200);
      const remote = sp1Volume().requests[0].headers['x-auth-token'] as string;
      federation.sp('sp1').revokeToken(remote);
      federation.idp.calls.reset();
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', fresh).set(ROUTING).expect(200);
      expect(federation.idp.calls.count('saml2.ecp')).to.equal(1);
      const retried = sp1Volume().requests.at(-1)?.headers['x-auth-token'];
      expect(retried).to.be.a('string').and.not.equal(remote);
    });

    it("passes the SP's 401 on when the fresh token is refused too", async () => {
      sp1Volume().faults.set({ status: 401 }, 'volumes.list');
      const response = await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).expect(401);
      expect(sp1Volume().calls.count('volumes.list')).to.equal(2);
      expect(response.headers['x-k2k-service-provider']).to.equal('sp1');
    });

    it('keeps working with the store down: cache misses only', async () => {
      const broken = createStore({ backend: 'memcached', servers: ['127.0.0.1:1'], secret: 'gateway-test-secret-0123', timeoutMs: 50 });
      const degraded = testGateway(federation.env, broken);
      try {
        await request(degraded.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).expect(200);
        await request(degraded.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
      } finally {
        await degraded.close();
        await broken.close();
      }
    });
  });

  describe('errors, in OpenStack JSON with a request id', () => {
    const expectError = async (status: number, headers: Record<string, string>, message: RegExp, path = `/volume/v3/${federation.env.idpProjectId}/volumes`) => {
      const response = await request(gateway.app).get(path).set('x-auth-token', token).set(headers).expect(status);
      expect(response.body.error).to.include({ code: status });
      expect(response.body.error.message).to.match(message);
      expect(response.headers['x-openstack-request-id']).to.match(/^req-/);
      expect(response.text).to.not.include(token);
      return response;
    };

    it('answers 400 for an unknown service provider', () => expectError(400, { 'SERVICE-PROVIDER': 'sp9' }, /Unknown service provider "sp9" \(known: sp1, sp2\)/));

    it('answers 400 for a service provider outside the configured list', async () => {
      const restricted = testGateway(federation.env, store, { serviceProviders: ['sp2'] });
      try {
        const response = await request(restricted.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).expect(400);
        expect(response.body.error.message).to.equal('Unknown service provider "sp1" (known: sp2).');
      } finally {
        await restricted.close();
      }
    });

    it('answers 403 for a project the user has no role on at the SP', () => expectError(403, { ...ROUTING, 'PROJECT-NAME': 'locked' }, /Project locked \(domain Default\) is not available to you at service provider sp1/));

    it("passes on the IdP's refusal of the assertion", async () => {
      federation.idp.faults.set({ status: 403 }, 'saml2.ecp');
      await expectError(403, { ...ROUTING, 'PROJECT-NAME': 'demo2' }, /refused the K2K exchange/);
    });

    it('answers 502 when the SP cannot be reached', async () => {
      await federation.sp('sp2').down();
      try {
        await expectError(502, { 'SERVICE-PROVIDER': 'sp2', 'PROJECT-NAME': 'demo2' }, /Could not reach service provider sp2/);
      } finally {
        await federation.sp('sp2').up();
      }
    });

    it("answers 502 when the SP's service cannot be reached", async () => {
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).expect(200);
      await sp1Volume().down();
      try {
        await expectError(502, ROUTING, /Could not reach the service at service provider sp1/);
      } finally {
        await sp1Volume().up();
      }
    });

    it('answers 504 when the SP is too slow', async () => {
      const impatient = testGateway(federation.env, store, { timeoutMs: 100 });
      try {
        sp1Volume().faults.set({ latencyMs: 1000 }, 'volumes.list');
        const response = await request(impatient.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set(ROUTING).expect(504);
        expect(response.body.error.message).to.match(/did not answer within 100 ms/);
      } finally {
        await impatient.close();
      }
    });

    it('answers 400 for inconsistent routing headers and paths that escape the endpoint', async () => {
      await expectError(400, { 'PROJECT-NAME': 'demo' }, /need SERVICE-PROVIDER/);
      await expectError(400, ROUTING, /segment "..%2F..%2Fadmin" contains a slash or backslash/, `/volume/v3/${federation.env.idpProjectId}/volumes/..%2F..%2Fadmin`);
    });

    it('answers 401 without a token (keystoneAuth first)', async () => {
      await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set(ROUTING).expect(401);
    });

    it('refuses to forward again a request that already passed this proxy (508)', async () => {
      await expectError(508, { ...ROUTING, 'MM-PROXY-LIST': 'other-proxy,test-gateway' }, /already passed this proxy/);
    });
  });
});

describe('k2kForward logs', () => {
  it('never carry a token, whatever happens', async () => {
    const federation = await startFederation({ serviceProviders: ['sp1'] });
    const lines: string[] = [];
    const log = (fields: object, message: string) => lines.push(`${message} ${JSON.stringify(fields)}`);
    const logger = { debug: log, info: log, warn: log, error: log };
    const gateway = testGateway(federation.env, createStore(), { logger, timeoutMs: 200 });
    try {
      const token = await userToken(federation.env);
      const path = `/volume/v3/${federation.env.idpProjectId}/volumes`;
      const remote = { 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' };
      await request(gateway.app).get(path).set(remote).expect(200);
      const remoteToken = federation.cloud('sp1').volume.requests[0].headers['x-auth-token'] as string;
      federation.sp('sp1').revokeToken(remoteToken); // a retry
      await request(gateway.app).get(path).set(remote).expect(200);
      federation.cloud('sp1').volume.faults.set({ latencyMs: 1000 }); // a timeout
      await request(gateway.app).get(path).set(remote).expect(504);
      federation.cloud('sp1').volume.faults.clear();
      await request(gateway.app).get(path).set({ ...remote, 'PROJECT-NAME': 'locked' }).expect(403);
      await request(gateway.app).get(path).set('x-auth-token', 'gAAAAABbogus').expect(401);
      await request(gateway.app).get(path).set('x-auth-token', token).expect(200);
      expect(lines.length).to.be.greaterThan(3);
      const secrets = [token, remoteToken, 'gAAAAABbogus', ...federation.cloud('sp1').volume.requests.map((r) => r.headers['x-auth-token'] as string)];
      for (const line of lines) for (const secret of secrets) expect(line).to.not.include(secret);
    } finally {
      await gateway.close();
      await federation.close();
    }
  });
});

describe('k2kForward in front of a service of its own', () => {
  let federation: Federation;
  let gateway: TestGateway;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    gateway = testGateway(federation.env, createStore(), { local: 'next' });
  });

  after(async () => {
    await gateway.close();
    await federation.close();
  });

  it("lets local requests fall through to the service's own routes, and sends remote ones away even after a body parser", async () => {
    const app = express();
    app.use(gateway.auth);
    app.use(express.json());
    app.use(gateway.volume);
    app.post('/v3/:project/volumes', (req, res) => {
      res.status(202).json({ volume: { name: req.body.volume.name, servedBy: 'local routes' } });
    });
    const token = await userToken(federation.env);
    const path = `/v3/${federation.env.idpProjectId}/volumes`;
    const local = await request(app).post(path).set('x-auth-token', token).send({ volume: { name: 'here', size: 1 } }).expect(202);
    expect(local.body.volume.servedBy).to.equal('local routes');
    const remote = await request(app).post(path).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp1').send({ volume: { name: 'there', size: 1 } }).expect(202);
    expect(remote.body.volume).to.include({ name: 'there', status: 'creating' });
    expect(federation.cloud('sp1').volume.requests[0].body).to.deep.equal({ volume: { name: 'there', size: 1 } });
  });
});
