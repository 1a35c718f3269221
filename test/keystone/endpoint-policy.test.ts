import { expect } from 'chai';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { KeystoneAdmin, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { testGateway, userToken, type TestGateway } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { startRealCloudServices } from './real-services.js';

/**
 * The endpoint policy against the real pair. At the real IdP: a virtual region `ep-sp1` listing
 * volumev3 (public), a project ep-demo2 (alice a member) and an OS-EP-FILTER endpoint group that
 * trims ep-demo2's catalog to RegionOne. At the real SP: an endpoint group trimming demo2 to the
 * public interface. Everything is undone afterwards.
 */
describe('endpoint policy, against the real Keystone IdP and SP', function () {
  this.timeout(60_000);
  let env: FederationEnv;
  let memcached: MemcachedServer;
  let store: Store;
  let idpAdmin: KeystoneAdmin;
  let spAdmin: KeystoneAdmin;
  let gateway: TestGateway;
  let services: Awaited<ReturnType<typeof startRealCloudServices>>;
  let demoProject2: string;

  before(async () => {
    env = realFederation();
    memcached = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'real-keystone-suite-secret' });
    services = await startRealCloudServices(env);
    idpAdmin = await KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin');
    spAdmin = await KeystoneAdmin.login(env.spAuthUrl, env.adminUser, env.adminPassword, 'admin');
    await idpAdmin.createEndpoint('volumev3', 'ep-sp1', 'public', 'http://127.0.0.1:9/ep-sp1/volume/v3/%(project_id)s');
    demoProject2 = await idpAdmin.createProject('ep-demo2', env.user);
    await idpAdmin.restrictCatalog(demoProject2, { region_id: 'RegionOne' });
    await spAdmin.restrictCatalog(env.spProject2Id, { interface: 'public' });
    gateway = testGateway(env, store, { endpointPolicy: 'catalog', virtualRegionNames: { [env.spId]: ['ep-sp1'] } });
  });

  after(async () => {
    await gateway?.close();
    await Promise.all([idpAdmin?.undo(), spAdmin?.undo()]);
    await store?.close();
    await services?.stop();
    await memcached?.kill();
  });

  it('an IdP endpoint group: the virtual region is reachable for demo, refused with 403 for the project it trims, before any K2K exchange', async () => {
    const volume = services.sp.volume.seed(env.spProjectId, { name: 'behind-the-policy' });
    const demo = await userToken(env);
    const shown = await request(gateway.app).get(`/volume/v3/${env.idpProjectId}/volumes/${volume.id}`).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': env.spId }).expect(200);
    expect(shown.body.volume.name).to.equal('behind-the-policy');
    const exchanges = gateway.volume.stats().exchanges;
    const trimmed = await userToken(env, 'ep-demo2');
    const refused = await request(gateway.app).get(`/volume/v3/${demoProject2}/volumes`).set({ 'x-auth-token': trimmed, 'SERVICE-PROVIDER': env.spId }).expect(403);
    expect(refused.body.error.message).to.equal(
      `block-storage with interface public in region ep-sp1 (service provider ${env.spId}) is not allowed for your project: the catalog of your token does not list it.`,
    );
    expect(gateway.volume.stats().exchanges).to.equal(exchanges);
  });

  it("an SP endpoint group hiding the internal interface: ENDPOINT-TYPE internal gets a 403 naming what is missing", async () => {
    const demo = await userToken(env);
    const open = testGateway(env, store);
    try {
      const refused = await request(open.app)
        .get(`/volume/v3/${env.idpProjectId}/volumes`)
        .set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': env.spId, 'MM-PROJECT-ID': env.spProject2Id, 'ENDPOINT-TYPE': 'internal' })
        .expect(403);
      expect(refused.body.error.message).to.equal(`Service provider ${env.spId} has no block-storage endpoint with interface internal for your project.`);
      await request(open.app).get(`/volume/v3/${env.idpProjectId}/volumes`).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': env.spId, 'MM-PROJECT-ID': env.spProject2Id }).expect(200);
    } finally {
      await open.close();
    }
  });
});
