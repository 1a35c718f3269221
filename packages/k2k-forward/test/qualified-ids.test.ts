import { expect } from 'chai';
import request from 'supertest';
import type { Cloud, Federation } from '@k2k/testing';
import { MALFORMED_IDS } from '@k2k/engine/dist/test/malformed-qualifiers.js';
import { startFederatedGateway, type FederatedGateway, type TestGateway } from './gateway-fixture.js';

/**
 * Through a gateway on the simulated federation: a malformed qualifier is refused before any cloud
 * hears of the request (no probe, no K2K exchange, no forward), and the good ones still route.
 */
describe('k2kForward: malformed qualifiers reach no cloud', () => {
  let federation: Federation;
  let gateway: TestGateway;
  let token: string;
  let setup: FederatedGateway;

  before(async () => {
    setup = await startFederatedGateway();
    ({ federation, gateway, token } = setup);
  });

  after(() => setup.close());

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.keystone.calls.reset();
    }
  });

  const volumes = (suffix = '') => `/volume/v3/${federation.env.idpProjectId}${suffix}`;
  const sp = (name: string) => federation.cloud(name);
  const serviceProviders = () => federation.clouds.filter((cloud) => cloud.name !== 'idp');
  /** Every request a cloud's volume service handled, any route, found or not. */
  const heard = (cloud: Cloud) => cloud.volume.calls.calls.map((call) => `${call.method} ${call.path}`);
  const expectNoCloudHeard = (what: string) => {
    for (const cloud of federation.clouds) expect(heard(cloud), `${what}: ${cloud.name}'s volume service`).to.deep.equal([]);
    for (const cloud of serviceProviders()) expect(cloud.keystone.calls.count(), `${what}: ${cloud.name}'s Keystone`).to.equal(0);
  };

  it('answers 400 naming the qualifier of every malformed `<id>@<cloud>`, on reads and writes, and sends nothing anywhere', async () => {
    for (const [sent, message] of MALFORMED_IDS) {
      for (const method of ['get', 'delete'] as const) {
        const answer = await request(gateway.app)[method](volumes(`/volumes/${sent}`)).set('x-auth-token', token).expect(400);
        expect(answer.body.error, sent).to.include({ code: 400, title: 'Bad Request' });
        expect(answer.body.error.message, sent).to.include(message);
        expectNoCloudHeard(`${method} ${sent}`);
      }
    }
  });

  it('answers 400 naming the qualifier of a malformed `name@cloud` create, and creates nothing anywhere', async () => {
    for (const [name, qualifier] of [['@sp1', '@sp1'], ['x@sp1@sp2', '@sp1@sp2'], ['x@@sp1', '@@sp1'], ['x@', '@']]) {
      const answer = await request(gateway.app).post(volumes('/volumes')).set('x-auth-token', token).send({ volume: { size: 1, name } }).expect(400);
      expect(answer.body.error.message, name).to.include(`Malformed qualifier ${JSON.stringify(qualifier)} in the new name`);
      expectNoCloudHeard(name);
    }
  });

  it('still routes `<id>@sp1`, `<id>@<local name>` and `name@sp1` with the bare id and name', async () => {
    const remote = sp('sp1').volume.seed(sp('sp1').projects.demo.id, { name: 'r' });
    const shown = await request(gateway.app).get(volumes(`/volumes/${remote.id}@sp1`)).set('x-auth-token', token).expect(200);
    expect(shown.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(heard(sp('sp1'))).to.deep.equal([`GET /v3/${sp('sp1').projects.demo.id}/volumes/${remote.id}`]);
    const local = federation.cloud('idp').volume.seed(federation.env.idpProjectId, { name: 'l' });
    await request(gateway.app).get(volumes(`/volumes/${local.id}@default`)).set('x-auth-token', token).expect(200);
    expect(heard(federation.cloud('idp'))).to.deep.equal([`GET /v3/${federation.env.idpProjectId}/volumes/${local.id}`]);
    const created = await request(gateway.app).post(volumes('/volumes')).set('x-auth-token', token).send({ volume: { size: 1, name: 'me@example.org@sp1' } }).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(sp('sp1').volume.volumes.get(created.body.volume.id)?.name).to.equal('me@example.org');
  });

  it("sends a path that names no resource of the service, '@' and all, to the local service untouched", async () => {
    for (const below of ['/capabilities/host@backend%23pool', '/capabilities/host@backend', '/os-hosts/host@backend']) {
      const answer = await request(gateway.app).get(volumes(below)).set('x-auth-token', token);
      expect(answer.status, below).to.not.equal(400);
      expect(answer.headers, below).to.not.have.property('x-k2k-service-provider');
      expect(heard(federation.cloud('idp')), below).to.deep.equal([`GET /v3/${federation.env.idpProjectId}${below}`]);
      for (const cloud of serviceProviders()) expect(heard(cloud), `${below}: ${cloud.name}`).to.deep.equal([]);
      federation.cloud('idp').volume.reset();
    }
  });
});
