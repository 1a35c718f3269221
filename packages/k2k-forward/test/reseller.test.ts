import { expect } from 'chai';
import request from 'supertest';
import { SEED, type Federation } from '@k2k/testing';
import { k2kForward, pseudonymousProjectName } from '../src/index.js';
import { startFederatedGateway, testGateway, userToken, type FederatedGateway } from './gateway-fixture.js';

const SECRET = 'reseller-tests-secret-0123456789';
/** What a caller's client or a load balancer in front of the gateway may add: none of it may reach a reseller SP. */
const CALLER_HEADERS = {
  'X-Forwarded-For': '203.0.113.7',
  'X-Forwarded-Host': 'alice-laptop.example.org',
  'X-Forwarded-Proto': 'https',
  Forwarded: 'for=203.0.113.7;host=alice-laptop.example.org',
  'X-Real-IP': '203.0.113.7',
  Cookie: 'session=alice',
  Referer: 'https://alice-laptop.example.org/',
  'X-OpenStack-Request-ID': 'req-0b5f7c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b',
  'MM-PROXY-LIST': 'alice-proxy',
};

describe('k2kForward with identity reseller (simulated clouds, real memcached)', () => {
  let setup: FederatedGateway;
  let federation: Federation;
  let customerProjectId: string;

  before(async () => {
    setup = await startFederatedGateway({ identity: { sp1: 'reseller' }, reseller: { secret: SECRET } });
    federation = setup.federation;
    // What `k2k-gateway sync` provisions at a reseller SP: the customer's pseudonymous project, the reseller group's role on it.
    const { directory } = federation.sp('sp1');
    const customer = directory.addProject(pseudonymousProjectName(SECRET, federation.env.idpProjectId));
    directory.grant('member', directory.groups.find((group) => group.name === SEED.resellerGroup)?.id ?? '', customer.id);
    customerProjectId = customer.id;
  });

  after(() => setup.close());

  beforeEach(() => {
    for (const cloud of federation.clouds) cloud.volume.reset();
  });

  const sp1 = () => federation.cloud('sp1');
  const volumesPath = () => `/volume/v3/${federation.env.idpProjectId}/volumes`;
  /** The name of the user a token a service received belongs to, as its cloud's Keystone knows it. */
  const userOf = (cloud: string, token: unknown): string | undefined => {
    const check = federation.sp(cloud).inspectToken(String(token));
    return check.ok ? federation.sp(cloud).directory.user({ id: check.token.userId })?.name : undefined;
  };
  const projectOf = (cloud: string, token: unknown): string | undefined => {
    const check = federation.sp(cloud).inspectToken(String(token));
    return check.ok ? check.token.projectId : undefined;
  };

  it("reaches the SP as the reseller, in the customer's pseudonymous project, with nothing naming the caller", async () => {
    const volume = sp1().volume.seed(customerProjectId, { name: 'customer-vol' });
    const response = await request(setup.gateway.app).get(`${volumesPath()}/${volume.id}`).set('x-auth-token', setup.token).set('SERVICE-PROVIDER', 'sp1').set(CALLER_HEADERS).expect(200);
    expect(response.body.volume).to.include({ id: volume.id, name: 'customer-vol' });
    const [received] = sp1().volume.requests;
    expect(received.path).to.equal(`/v3/${customerProjectId}/volumes/${volume.id}`);
    expect(userOf('sp1', received.headers['x-auth-token'])).to.equal(SEED.service.name);
    expect(projectOf('sp1', received.headers['x-auth-token'])).to.equal(customerProjectId);
    for (const name of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-real-ip', 'cookie', 'referer']) expect(received.headers, name).to.not.have.property(name);
    // A request id of the gateway's own, neither the caller's global one nor the one the caller was answered with.
    expect(received.headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/).and.not.equal(CALLER_HEADERS['X-OpenStack-Request-ID']).and.not.equal(response.headers['x-openstack-request-id']);
    expect(received.headers['mm-proxy-list']).to.equal('test-gateway');
    // Nothing the SP's service or Keystone holds names the person, their project or their address.
    const alice = federation.idp.directory.user({ name: SEED.user.name, domain: { id: 'default' } });
    const seen = JSON.stringify({ received, users: federation.sp('sp1').directory.users });
    for (const clue of [SEED.user.name, alice?.id ?? '?', federation.env.idpProjectId, SEED.user.project, '203.0.113.7', 'alice-laptop', 'alice-proxy']) expect(seen, clue).to.not.include(clue);
  });

  it('shares one remote session among all users of a project: one K2K exchange', async () => {
    const bob = federation.idp.directory.addUser('bob', 'bobpw');
    federation.idp.directory.grant('member', bob.id, federation.env.idpProjectId);
    const exchanges = setup.gateway.volume.stats().exchanges;
    await request(setup.gateway.app).get(volumesPath()).set('x-auth-token', setup.token).set('SERVICE-PROVIDER', 'sp1').expect(200);
    const bobToken = await userToken(federation.env, federation.env.idpProject, { name: 'bob', password: 'bobpw' });
    await request(setup.gateway.app).get(volumesPath()).set('x-auth-token', bobToken).set('SERVICE-PROVIDER', 'sp1').expect(200);
    expect(setup.gateway.volume.stats().exchanges - exchanges).to.be.at.most(1);
    const tokens = sp1().volume.requests.map((received) => received.headers['x-auth-token']);
    expect(tokens).to.have.length(2);
    expect(tokens[1]).to.equal(tokens[0]);
  });

  it('keeps to the customer project whatever project a header names there', async () => {
    await request(setup.gateway.app).get(volumesPath()).set('x-auth-token', setup.token).set({ 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' }).expect(200);
    expect(sp1().volume.requests[0].path).to.equal(`/v3/${customerProjectId}/volumes`);
  });

  it("anonymizes search probes and merged lists too, and leaves a user-identity SP (sp2) the caller's identity", async () => {
    const volume = sp1().volume.seed(customerProjectId, { name: 'found-by-search' });
    await request(setup.gateway.app).get(`${volumesPath()}/${volume.id}`).set('x-auth-token', setup.token).set(CALLER_HEADERS).expect(200);
    await request(setup.gateway.app).get(volumesPath()).set('x-auth-token', setup.token).set(CALLER_HEADERS).expect(200);
    const atSp1 = sp1().volume.requests;
    expect(atSp1.length).to.be.at.least(3);
    for (const received of atSp1) {
      expect(received.headers['mm-proxy-list']).to.equal('test-gateway');
      expect(received.headers['x-openstack-request-id']).to.not.equal(CALLER_HEADERS['X-OpenStack-Request-ID']);
      expect(received.headers).to.not.have.property('x-forwarded-for');
      expect(userOf('sp1', received.headers['x-auth-token'])).to.equal(SEED.service.name);
    }
    const atSp2 = federation.cloud('sp2').volume.requests;
    expect(atSp2.length).to.be.at.least(1);
    for (const received of atSp2) {
      expect(userOf('sp2', received.headers['x-auth-token'])).to.equal(SEED.user.name);
      expect(received.headers['x-openstack-request-id']).to.equal(CALLER_HEADERS['X-OpenStack-Request-ID']);
    }
  });

  it("anonymizes the quota reads of placement too: the SP never sees the caller's request id", async () => {
    const placing = testGateway(federation.env, setup.store, { identity: { sp1: 'reseller' }, reseller: { secret: SECRET }, placement: 'headroom' });
    try {
      await request(placing.app).post(volumesPath()).set('x-auth-token', setup.token).set(CALLER_HEADERS).send({ volume: { name: 'placed', size: 1 } }).expect(202);
    } finally {
      await placing.close();
    }
    const limits = sp1().volume.requests.filter((received) => received.method === 'GET' && received.path.endsWith('/limits'));
    expect(limits).to.have.length(1);
    expect(limits[0].path).to.equal(`/v3/${customerProjectId}/limits`);
    expect(limits[0].headers['x-openstack-request-id']).to.match(/^req-[0-9a-f-]{36}$/).and.not.equal(CALLER_HEADERS['X-OpenStack-Request-ID']);
    expect(limits[0].headers['mm-proxy-list']).to.equal('test-gateway');
  });

  it('refuses bad options at construction, naming the option', () => {
    expect(() => k2kForward({ identity: { sp1: 'reseller' } })).to.throw(/k2kForward\.reseller/);
    expect(() => k2kForward({ identity: { sp1: 'anonymous' as 'reseller' } })).to.throw(/k2kForward\.identity\.sp1/);
    expect(() => k2kForward({ identity: { sp1: 'reseller' }, reseller: { secret: 'short' } })).to.throw(/k2kForward\.reseller\.secret/);
    expect(() => k2kForward({ reseller: { secret: SECRET, serviceToken: 'token' as never } })).to.throw(/k2kForward\.reseller\.serviceToken/);
  });

  it('names each customer by a pseudonym that only the secret links to its project', () => {
    const name = pseudonymousProjectName(SECRET, federation.env.idpProjectId);
    expect(name).to.match(/^k2k-[0-9a-f]{32}$/);
    expect(pseudonymousProjectName(SECRET, federation.env.idpProjectId)).to.equal(name);
    expect(pseudonymousProjectName(`${SECRET}-other`, federation.env.idpProjectId)).to.not.equal(name);
    expect(pseudonymousProjectName(SECRET, `${federation.env.idpProjectId}0`)).to.not.equal(name);
  });
});
