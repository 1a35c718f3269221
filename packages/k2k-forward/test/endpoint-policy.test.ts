import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { KeystoneAdmin, startFederation, type Federation } from '@k2k/testing';
import { k2kForward } from '../src/index.js';
import { testGateway, userToken, type TestGateway } from './gateway-fixture.js';

/**
 * The endpoint policy (DESIGN "Endpoint policy"). At the IdP: project demo2 (alice a member), a
 * virtual region `sp1` listing volumev3 (public) at the gateway, and an endpoint group that trims
 * demo2's catalog to RegionOne. So demo's tokens list sp1's volume service and demo2's do not; sp2
 * is in no catalog. At sp1: an endpoint group trims its project demo2 to the public interface.
 */
describe('k2kForward endpoint policy', () => {
  let federation: Federation;
  let store: Store;
  let idpAdmin: KeystoneAdmin;
  let spAdmin: KeystoneAdmin;
  let catalogGateway: TestGateway;
  let rulesGateway: TestGateway;
  let demo: string;
  let demo2: string;
  const sp1 = () => federation.cloud('sp1');
  const sp2 = () => federation.cloud('sp2');
  const idpProject = (name: string) => federation.cloud('idp').projects[name].id;
  const volumes = (name: string) => `/volume/v3/${idpProject(name)}/volumes`;

  before(async () => {
    federation = await startFederation();
    const { env, idp } = federation;
    const alice = idp.directory.users.find((user) => user.name === env.user);
    federation.cloud('idp').projects.demo2 = idp.directory.addProject('demo2');
    idp.directory.grant('member', alice!.id, idpProject('demo2'));
    idpAdmin = await KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin');
    await idpAdmin.createEndpoint('volumev3', 'sp1', 'public', 'http://127.0.0.1:9/sp1/volume/v3/%(project_id)s');
    await idpAdmin.restrictCatalog(idpProject('demo2'), { region_id: 'RegionOne' });
    spAdmin = await KeystoneAdmin.login(sp1().keystone.authUrl, env.adminUser, env.adminPassword, 'admin');
    await spAdmin.restrictCatalog(sp1().projects.demo2.id, { interface: 'public' });
    store = createStore({ backend: 'memory' });
    catalogGateway = testGateway(env, store, { endpointPolicy: 'catalog' });
    rulesGateway = testGateway(env, store, {
      endpointPolicy: {
        rules: [
          { projects: ['demo'], serviceProviders: ['sp1'], interfaces: ['public'] },
          { roles: ['admin'], serviceTypes: ['block-storage'] },
        ],
      },
    });
    [demo, demo2] = await Promise.all([userToken(env), userToken(env, 'demo2')]);
  });

  after(async () => {
    await Promise.all([catalogGateway.close(), rulesGateway.close()]);
    await Promise.all([idpAdmin.undo(), spAdmin.undo()]);
    await store.close();
    await federation.close();
  });

  beforeEach(() => {
    for (const cloud of federation.clouds) cloud.volume.reset();
    federation.idp.calls.reset();
  });

  describe("'catalog': what the caller's own token lists", () => {
    it('reaches a service provider whose virtual region the caller\'s catalog lists', async () => {
      const volume = sp1().volume.seed(sp1().projects.demo.id, { name: 'at-sp1' });
      const shown = await request(catalogGateway.app).get(`${volumes('demo')}/${volume.id}`).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
      expect(shown.body.volume.name).to.equal('at-sp1');
    });

    it('refuses with 403 naming service, region and interface, before any K2K exchange', async () => {
      const refused = await request(catalogGateway.app).get(volumes('demo2')).set({ 'x-auth-token': demo2, 'SERVICE-PROVIDER': 'sp1' }).expect(403);
      expect(refused.body.error.message).to.equal(
        'block-storage with interface public in region sp1 (service provider sp1) is not allowed for your project: the catalog of your token does not list it.',
      );
      const internal = await request(catalogGateway.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1', 'ENDPOINT-TYPE': 'internal' }).expect(403);
      expect(internal.body.error.message).to.match(/^block-storage with interface internal in region sp1 /);
      await request(catalogGateway.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp2' }).expect(403);
      expect(federation.idp.calls.count('saml2.ecp')).to.equal(0);
      expect(sp1().volume.requests).to.deep.equal([]);
    });

    it('merges lists and searches only where the caller is allowed', async () => {
      federation.cloud('idp').volume.seed(idpProject('demo'), { name: 'local-demo' });
      federation.cloud('idp').volume.seed(idpProject('demo2'), { name: 'local-demo2' });
      sp1().volume.seed(sp1().projects.demo.id, { name: 'sp1-demo' });
      sp1().volume.seed(sp1().projects.demo2.id, { name: 'sp1-demo2' });
      sp2().volume.seed(sp2().projects.demo.id, { name: 'sp2-demo' });
      const names = async (token: string, project: string) =>
        ((await request(catalogGateway.app).get(volumes(project)).set('x-auth-token', token).expect(200)).body.volumes as { name: string }[]).map((volume) => volume.name).sort();
      expect(await names(demo, 'demo')).to.include.members(['local-demo', 'sp1-demo']).and.not.include('sp2-demo');
      expect(await names(demo2, 'demo2')).to.deep.equal(['local-demo2']);
      const hidden = sp2().volume.seed(sp2().projects.demo.id, { name: 'only-at-sp2' });
      await request(catalogGateway.app).get(`${volumes('demo')}/${hidden.id}`).set('x-auth-token', demo).expect(404);
      expect(sp2().volume.requests).to.deep.equal([]);
    });
  });

  it("checks a pinned mount's own virtual region only: another region of the same SP is not enough", async () => {
    const mount = (name: string, region?: string) =>
      k2kForward({ serviceType: 'volumev3', authUrl: federation.env.idpAuthUrl, store, endpointPolicy: 'catalog', pin: { serviceProvider: 'sp1', name, ...(region && { region }) } });
    const listed = mount('sp1');
    const unlisted = mount('sp1.RegionTwo', 'RegionTwo');
    const app = express().use(catalogGateway.auth).use('/sp1/volume', listed).use('/sp1.RegionTwo/volume', unlisted);
    try {
      await request(app).get(`/sp1/volume/v3/${idpProject('demo')}/volumes`).set('x-auth-token', demo).expect(200);
      const refused = await request(app).get(`/sp1.RegionTwo/volume/v3/${idpProject('demo')}/volumes`).set('x-auth-token', demo).expect(403);
      expect(refused.body.error.message).to.match(/^block-storage with interface public in region sp1\.RegionTwo \(service provider sp1\) is not allowed/);
    } finally {
      await Promise.all([listed.close(), unlisted.close()]);
    }
  });

  describe('rules: grants to projects, domains or roles', () => {
    it('lets a project reach what a rule grants it, and nothing else, refusing before any K2K exchange', async () => {
      await request(rulesGateway.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
      federation.idp.calls.reset();
      const otherSp = await request(rulesGateway.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp2' }).expect(403);
      expect(otherSp.body.error.message).to.equal('block-storage with interface public in region sp2 (service provider sp2) is not allowed for your project: no endpoint policy rule grants it.');
      await request(rulesGateway.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1', 'ENDPOINT-TYPE': 'internal' }).expect(403);
      await request(rulesGateway.app).get(volumes('demo2')).set({ 'x-auth-token': demo2, 'SERVICE-PROVIDER': 'sp1' }).expect(403);
      expect(federation.idp.calls.count('saml2.ecp')).to.equal(0);
    });

    it('names a project by id, name@domain, or bare name in the Default domain only', async () => {
      const granting = (projects: string[]) => testGateway(federation.env, store, { endpointPolicy: { rules: [{ projects }] } });
      const cases: [string[], number][] = [
        [[idpProject('demo')], 200],
        [['demo@Default'], 200],
        [['demo@default'], 200],
        [['demo@elsewhere'], 403],
        [['demo2'], 403],
      ];
      for (const [projects, status] of cases) {
        const gateway = granting(projects);
        try {
          await request(gateway.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1' }).expect(status);
        } finally {
          await gateway.close();
        }
      }
    });

    it('grants to a role, matching the service type by any of its aliases', async () => {
      const admin = await userToken(federation.env, 'admin', { name: federation.env.adminUser, password: federation.env.adminPassword });
      const adminVolumes = `/volume/v3/${idpProject('admin')}/volumes`;
      const atSp2 = sp2().volume.seed(sp2().projects.demo.id, { name: 'for-the-admin' });
      const shown = await request(rulesGateway.app)
        .get(`${adminVolumes}/${atSp2.id}`)
        .set({ 'x-auth-token': admin, 'SERVICE-PROVIDER': 'sp2', 'MM-PROJECT-ID': sp2().projects.demo.id })
        .expect(200);
      expect(shown.body.volume.name).to.equal('for-the-admin');
      await request(rulesGateway.app).get('/image/v2/images').set({ 'x-auth-token': admin, 'SERVICE-PROVIDER': 'sp2' }).expect(403);
    });
  });

  it("an endpoint the service provider's own endpoint groups hide: 403 naming what is missing", async () => {
    const open = testGateway(federation.env, store);
    try {
      const refused = await request(open.app)
        .get(volumes('demo'))
        .set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1', 'MM-PROJECT-ID': sp1().projects.demo2.id, 'ENDPOINT-TYPE': 'internal' })
        .expect(403);
      expect(refused.body.error.message).to.equal('Service provider sp1 has no block-storage endpoint with interface internal for your project.');
      await request(open.app).get(volumes('demo')).set({ 'x-auth-token': demo, 'SERVICE-PROVIDER': 'sp1', 'MM-PROJECT-ID': sp1().projects.demo2.id }).expect(200);
    } finally {
      await open.close();
    }
  });

  it("a merged list leaves out an SP whose catalog for the project lacks the service: no partial answer, no endless next links", async () => {
    const internal = testGateway(federation.env, store, { interface: 'internal' });
    try {
      sp2().volume.seed(sp2().projects.demo2.id, { name: 'sp2-internal' });
      sp1().volume.seed(sp1().projects.demo2.id, { name: 'sp1-hidden' });
      const listed = await request(internal.app).get(`${volumes('demo2')}?limit=50`).set('x-auth-token', demo2).expect(200);
      expect(listed.headers['x-k2k-partial']).to.equal(undefined);
      expect(listed.body.volumes_links).to.equal(undefined);
      const names = (listed.body.volumes as { name: string }[]).map((volume) => volume.name);
      expect(names).to.include('sp2-internal').and.not.include('sp1-hidden');
    } finally {
      await internal.close();
    }
  });

  it('refuses a bad policy at construction, naming the key', () => {
    expect(() => k2kForward({ endpointPolicy: 'closed' as never })).to.throw(/k2kForward\.endpointPolicy/);
    expect(() => k2kForward({ endpointPolicy: { rules: [{ interfaces: ['outside'] }] } })).to.throw(/k2kForward\.endpointPolicy\.rules\[0\]\.interfaces\[0\]: must be public, internal or admin/);
    expect(() => k2kForward({ endpointPolicy: { rules: [{ project: ['demo'] } as never] } })).to.throw(/k2kForward\.endpointPolicy\.rules\[0\]/);
    expect(() => k2kForward({ endpointPolicy: 'catalog', virtualRegionNames: { sp1: [] } })).to.throw(/k2kForward\.virtualRegionNames\.sp1: must be a non-empty list/);
  });
});
