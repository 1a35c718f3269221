import { expect } from 'chai';
import request from 'supertest';
import { pseudonymousProjectName } from '@k2k/k2k-forward';
import { KeystoneClient, type KeystoneProject, type ProjectAdmin, type Token } from '@k2k/keystone';
import { createStore, type Store } from '@k2k/store';
import { startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { testGateway, userToken, type TestGateway } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { startRealCloudServices } from './real-services.js';

const SECRET = 'real-keystone-reseller-secret-0123';
/** The group register.py's mapping puts the gateway's service user k2k in at the SP. */
const RESELLER_GROUP = 'k2k_resellers';

/** What the real SP Keystone says a token is. */
interface ValidatedToken {
  user: { id: string; name: string; domain: { id: string }; 'OS-FEDERATION'?: { groups: { id: string }[] } };
  project: { id: string; name: string };
}

describe('k2kForward with identity reseller, against a real Keystone IdP and SP', function () {
  this.timeout(60_000);
  let env: FederationEnv;
  let memcached: MemcachedServer;
  let store: Store;
  let gateway: TestGateway;
  let services: Awaited<ReturnType<typeof startRealCloudServices>>;
  let token: string;
  let alice: Token;
  let sp: KeystoneClient;
  let spAdminToken: string;
  let spAdmin: ProjectAdmin;
  let customer: KeystoneProject;

  before(async () => {
    env = realFederation();
    memcached = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'real-keystone-suite-secret' });
    gateway = testGateway(env, store, { identity: { [env.spId]: 'reseller' }, reseller: { secret: SECRET } });
    services = await startRealCloudServices(env);
    token = await userToken(env);
    const idp = new KeystoneClient({ authUrl: env.idpAuthUrl });
    alice = await idp.validateToken(token, token);
    await idp.close();
    sp = new KeystoneClient({ authUrl: env.spAuthUrl });
    spAdminToken = (await sp.authenticate({ user: { name: env.adminUser, domain: { name: 'Default' } }, password: env.adminPassword }, { project: { name: 'admin', domain: { name: 'Default' } } })).id;
    spAdmin = sp.projectAdmin(spAdminToken);
    // What `k2k-gateway sync` provisions at a reseller SP (its own test covers that): the customer's pseudonymous project, the reseller group's role.
    const name = pseudonymousProjectName(SECRET, env.idpProjectId);
    for (const stale of (await spAdmin.listProjects({ domainId: 'default' })).projects) if (stale.name === name) await spAdmin.deleteProject(stale.id);
    customer = await spAdmin.createProject({ name, domainId: 'default', description: '', enabled: true, tags: [] });
    const [groupId, roleId] = [await spAdmin.groupId(RESELLER_GROUP, 'default'), await spAdmin.roleId('member')];
    if (!groupId || !roleId) throw new Error(`the SP has no group ${RESELLER_GROUP} or role member: run test/keystone/reseller.py (or up.sh)`);
    await spAdmin.grantGroupRole({ groupId, roleId, projectId: customer.id });
  });

  after(async () => {
    if (customer) await spAdmin.deleteProject(customer.id);
    await sp?.close();
    await gateway?.close();
    await store?.close();
    await services?.stop();
    await memcached?.kill();
  });

  const validated = async (remoteToken: string): Promise<ValidatedToken> => {
    const answer = await fetch(`${env.spAuthUrl}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': spAdminToken, 'x-subject-token': remoteToken } });
    return ((await answer.json()) as { token: ValidatedToken }).token;
  };

  it("reaches the SP's service as the reseller in the customer's pseudonymous project: the SP's Keystone and service see nothing of the caller", async () => {
    const volume = services.sp.volume.seed(customer.id, { name: 'customer-volume' });
    const response = await request(gateway.app)
      .get(`/volume/v3/${env.idpProjectId}/volumes/${volume.id}`)
      .set('x-auth-token', token)
      .set({ 'SERVICE-PROVIDER': env.spId, 'X-Forwarded-For': '203.0.113.9', Forwarded: 'for=203.0.113.9', 'X-Real-IP': '203.0.113.9', 'X-OpenStack-Request-ID': 'req-0b5f7c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b' })
      .expect(200);
    expect(response.body.volume.name).to.equal('customer-volume');
    const [received] = services.sp.volume.requests;
    expect(received.path).to.equal(`/v3/${customer.id}/volumes/${volume.id}`);
    // The real SP Keystone: the token is the gateway's service user's, federated into the reseller group, scoped to the pseudonym.
    const remote = await validated(String(received.headers['x-auth-token']));
    expect(remote.user.name).to.equal(env.serviceUser);
    expect(remote.project).to.deep.include({ id: customer.id, name: customer.name });
    const resellerGroupId = await spAdmin.groupId(RESELLER_GROUP, 'default');
    expect(remote.user['OS-FEDERATION']?.groups.map((group) => group.id)).to.deep.equal([resellerGroupId]);
    // The SP's service: no name, id, project or address of the caller in what it received.
    const seen = JSON.stringify(received);
    for (const clue of [alice.user.name, alice.user.id, env.idpProjectId, env.idpProject, '203.0.113.9', 'req-0b5f7c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b']) expect(seen, clue).to.not.include(clue);
    expect(received.headers['mm-proxy-list']).to.equal('test-gateway');
    // Nor in what the SP Keystone holds about that token.
    const remoteSeen = JSON.stringify(remote);
    for (const clue of [alice.user.name, alice.user.id, env.idpProjectId]) expect(remoteSeen, clue).to.not.include(clue);
  });

  it('shares the remote session among the tokens of the project: three new tokens, one K2K exchange at most', async () => {
    const before = gateway.volume.stats().exchanges;
    for (let i = 0; i < 3; i++) await request(gateway.app).get(`/volume/v3/${env.idpProjectId}/volumes`).set('x-auth-token', await userToken(env)).set('SERVICE-PROVIDER', env.spId).expect(200);
    expect(gateway.volume.stats().exchanges - before).to.be.at.most(1);
    const tokens = new Set(services.sp.volume.requests.slice(-3).map((received) => received.headers['x-auth-token']));
    expect(tokens.size).to.equal(1);
  });
});
