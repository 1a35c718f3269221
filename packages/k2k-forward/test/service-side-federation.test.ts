import { expect } from 'chai';
import request from 'supertest';
import { SEED, type Cloud, type ReceivedRequest } from '@k2k/testing';
import { startFederatedGateway, userToken, type FederatedGateway } from './gateway-fixture.js';

/**
 * Service-side federation (DESIGN "Compute and network", last paragraph): the local cloud's own
 * services (Nova, with its `[cinder]` endpoint pointed at the gateway) call through the gateway with
 * the user's token and their own service token. The gateway validates both; neither leaves for a
 * service provider, which gets its own token only, and finds the user's resources where they live.
 */
describe('k2kForward: a local service calling through the gateway with a service token', () => {
  let fed: FederatedGateway;
  let serviceToken: string;

  before(async () => {
    fed = await startFederatedGateway();
    const { env } = fed.federation;
    serviceToken = await userToken(env, env.serviceProject, { name: env.serviceUser, password: env.servicePassword });
  });

  after(() => fed.close());

  beforeEach(() => {
    for (const cloud of fed.federation.clouds) cloud.volume.reset();
  });

  const volumePath = (id: string, rest = '') => `/volume/v3/${fed.federation.env.idpProjectId}/volumes/${id}${rest}`;
  /** What a Nova-like caller sends: the user's token and its own service token, no routing header. */
  const asNova = (test: request.Test, service = serviceToken) => test.set('x-auth-token', fed.token).set('x-service-token', service);

  /** The name of the user a token belongs to, as that cloud's Keystone knows it. */
  function userOf(cloud: Cloud, token: unknown): string | undefined {
    const keystone = cloud.name === 'idp' ? fed.federation.idp : fed.federation.sp(cloud.name);
    const check = keystone.inspectToken(String(token));
    return check.ok ? keystone.directory.user({ id: check.token.userId })?.name : undefined;
  }

  it("reaches the user's volume at sp1 (found by a search, then learned) with only an sp1 token of the user: no service token, no IdP token", async () => {
    const sp1 = fed.federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'data' });
    await asNova(request(fed.gateway.app).get(volumePath(volume.id))).expect(200);
    // Nova reserves the volume before attaching it: a mutation, sent where the search found the volume.
    await asNova(request(fed.gateway.app).post(volumePath(volume.id, '/action')).send({ 'os-reserve': {} })).expect(202);
    const arrived: ReceivedRequest[] = sp1.volume.requests;
    // The search's probe, the read itself, the reservation.
    const base = `/v3/${sp1.projects.demo.id}/volumes/${volume.id}`;
    expect(arrived.map((r) => `${r.method} ${r.path}`)).to.deep.equal([`GET ${base}`, `GET ${base}`, `POST ${base}/action`]);
    for (const { headers } of arrived) {
      expect(headers).to.not.have.property('x-service-token');
      expect(userOf(sp1, headers['x-auth-token']), "the token is sp1's, for the user").to.equal(SEED.user.name);
      expect(JSON.stringify(headers), 'an IdP token in any header').to.not.include(fed.token).and.not.include(serviceToken);
    }
  });

  it('refuses (401) a service token that is not valid, or that has no service role, before any cloud is asked', async () => {
    const sp1 = fed.federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'data' });
    await asNova(request(fed.gateway.app).get(volumePath(volume.id)), 'not-a-token').expect(401);
    // The user's own token is valid, but the user is no service.
    await asNova(request(fed.gateway.app).get(volumePath(volume.id)), fed.token).expect(401);
    for (const cloud of fed.federation.clouds) expect(cloud.volume.calls.count(), cloud.name).to.equal(0);
  });
});
