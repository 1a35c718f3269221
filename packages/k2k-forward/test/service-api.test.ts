import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { Federation } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware } from '../src/index.js';
import { startFederatedGateway, type FederatedGateway } from './gateway-fixture.js';

/**
 * A Cinder the catalogs list under a type of the operator's own (`volume-gold`), mounted with
 * `api: 'block-storage'`: it is fronted as the Cinder it is (URL grammar, list semantics, the
 * resource types learned and searched), not as an unknown service. Issue #30: Tempest's harness
 * mounts the real Cinder as `k2k-real-volume`.
 */
describe('k2kForward: a catalog type of your own that speaks an official API (api option)', () => {
  let setup: FederatedGateway;
  let federation: Federation;
  let gold: K2KForwardMiddleware;
  let unknown: K2KForwardMiddleware;
  let app: express.Express;

  before(async () => {
    setup = await startFederatedGateway();
    federation = setup.federation;
    for (const cloud of federation.clouds) {
      const url = `${cloud.volume.publicUrl}/v3/%(project_id)s`;
      cloud.keystone.catalog.addService('volume-gold', 'cinder-gold', [{ interface: 'public', regionId: 'RegionOne', url }]);
    }
    const options = { authUrl: federation.env.idpAuthUrl, store: setup.store, local: federation.env.idpVolumeEndpoint, serviceType: 'volume-gold' };
    gold = k2kForward({ ...options, api: 'block-storage' });
    unknown = k2kForward(options);
    app = express();
    app.use(setup.gateway.auth);
    app.use('/gold', gold);
    app.use('/unknown', unknown);
  });

  after(async () => {
    await Promise.all([gold.close(), unknown.close()]);
    await setup.close();
  });

  const get = (path: string) => request(app).get(path).set('x-auth-token', setup.token);
  const volumes = (mount: string, suffix = '') => `/${mount}/v3/${federation.env.idpProjectId}/volumes${suffix}`;

  it("finds a volume at a service provider by search, as the volumev3 mount does (without api: no resource type is searched)", async () => {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'gold-at-sp1' });
    const found = await get(volumes('gold', `/${volume.id}`)).expect(200);
    expect(found.body.volume).to.include({ id: volume.id, name: 'gold-at-sp1' });
    expect(found.headers['x-k2k-service-provider']).to.equal('sp1');
    await get(volumes('unknown', `/${volume.id}`)).expect(404);
  });

  it("merges lists with Cinder's list parameters: limit=0 is an empty list, display_name sorts by name", async () => {
    for (const cloud of federation.clouds) {
      const project = cloud.name === 'idp' ? federation.env.idpProjectId : cloud.projects.demo.id;
      for (const name of ['b', 'a', 'c']) cloud.volume.seed(project, { name: `${cloud.name}-${name}` });
    }
    expect((await get(volumes('gold', '/detail?limit=0')).expect(200)).body).to.deep.equal({ volumes: [] });
    const names = ((await get(volumes('gold', '/detail?sort_key=display_name&sort_dir=asc')).expect(200)).body.volumes as { name: string }[]).map((v) => v.name);
    expect(names).to.include.members(['idp-a', 'sp1-a', 'sp2-a']);
    expect(names).to.deep.equal([...names].sort());
  });

  it('refuses an api that is no official service type, naming the option', () => {
    expect(() => k2kForward({ serviceType: 'volume-gold', api: 'volumes' })).to.throw(/k2kForward\.api.*official service type/);
  });
});
