import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { startFederation, VolumeService, type Federation } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware, type K2KForwardOptions } from '../src/index.js';
import { userToken } from './gateway-fixture.js';

/**
 * Virtual regions: mounts pinned to one target (`pin`), as the gateway mounts `/<sp>/<mount>`.
 * The local cloud has a second region, RegionTwo, whose volume service trusts the IdP's tokens
 * (the passthrough target); sp1 has a volume service in RegionTwo too.
 */
describe('k2kForward pinned to one target (virtual regions)', () => {
  let federation: Federation;
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  let localRegionTwo: VolumeService;
  let sp1RegionTwo: VolumeService;
  const forwards: K2KForwardMiddleware[] = [];
  let app: express.Express;
  let token: string;

  before(async () => {
    federation = await startFederation();
    [localRegionTwo, sp1RegionTwo] = await Promise.all([VolumeService.start(federation.idp), VolumeService.start(federation.sp('sp1'))]);
    addVolumeEndpoint(federation.idp.catalog, 'RegionTwo', `${localRegionTwo.publicUrl}/v3/%(project_id)s`);
    addVolumeEndpoint(federation.sp('sp1').catalog, 'RegionTwo', `${sp1RegionTwo.publicUrl}/v3/%(project_id)s`);
    store = createStore({ backend: 'memory' });
    const { env } = federation;
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    const mount = (serviceType: string, extra: Partial<K2KForwardOptions>) => {
      const forward = k2kForward({ serviceType, authUrl: env.idpAuthUrl, store, proxyId: 'test-gateway', local: serviceType === 'image' ? env.idpImageEndpoint : env.idpVolumeEndpoint, ...extra });
      forwards.push(forward);
      return forward;
    };
    app = express();
    app.use(auth);
    app.use('/sp1/volume', mount('volumev3', { pin: { serviceProvider: 'sp1' } }));
    app.use('/sp1/image', mount('image', { pin: { serviceProvider: 'sp1' } }));
    app.use('/sp1.demo2/volume', mount('volumev3', { pin: { serviceProvider: 'sp1', project: { name: 'demo2', domain: 'Default' } } }));
    app.use('/sp1.RegionTwo/volume', mount('volumev3', { pin: { serviceProvider: 'sp1', region: 'RegionTwo' } }));
    app.use('/sp1.RegionTwo/image', mount('image', { pin: { serviceProvider: 'sp1', region: 'RegionTwo' } }));
    app.use('/sp3/volume', mount('volumev3', { pin: { serviceProvider: 'sp3' } }));
    app.use('/two/volume', mount('volumev3', { pin: { serviceProvider: 'two', region: 'RegionTwo', token: 'passthrough' } }));
    app.use('/three/volume', mount('volumev3', { pin: { serviceProvider: 'three', region: 'RegionThree', token: 'passthrough' } }));
    app.use('/volume', mount('volumev3', {}));
    token = await userToken(env);
  });

  after(async () => {
    await Promise.all([auth.close(), ...forwards.map((forward) => forward.close())]);
    await store.close();
    await Promise.all([federation.close(), localRegionTwo.stop(), sp1RegionTwo.stop()]);
  });

  beforeEach(() => {
    for (const service of [...federation.clouds.flatMap((cloud) => [cloud.volume, cloud.image]), localRegionTwo, sp1RegionTwo]) service.reset();
    federation.idp.calls.reset();
  });

  const idpProject = () => federation.env.idpProjectId;
  const sp1 = () => federation.cloud('sp1');
  const otherVolumeRequests = () => [federation.cloud('idp').volume, federation.cloud('sp2').volume].flatMap((service) => service.requests);

  it('sends every request of a pinned volume mount to its SP: a list is not merged, an unknown id not searched', async () => {
    const atSp1 = sp1().volume.seed(sp1().projects.demo.id, { name: 'at-sp1' });
    federation.cloud('idp').volume.seed(idpProject(), { name: 'local' });
    const list = await request(app).get(`/sp1/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
    expect(list.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(list.body.volumes.map((volume: { id: string }) => volume.id)).to.deep.equal([atSp1.id]);
    expect(sp1().volume.requests[0].path).to.equal(`/v3/${sp1().projects.demo.id}/volumes`);
    const missing = await request(app).get(`/sp1/volume/v3/${idpProject()}/volumes/0b5f7c1e2d3a4e5f8a9b0c1d2e3f4a5b`).set('x-auth-token', token).expect(404);
    expect(missing.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(otherVolumeRequests()).to.deep.equal([]);
  });

  it('sends a pinned image mount to the SP, with the token obtained there', async () => {
    const answer = await request(app).get('/sp1/image/v2/images').set('x-auth-token', token).expect(200);
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
    const [received] = sp1().image.requests;
    expect(received.path).to.equal('/v2/images');
    expect(received.headers['x-auth-token']).to.be.a('string').and.not.equal(token);
    expect(federation.cloud('idp').image.requests).to.deep.equal([]);
  });

  it('scopes to the pinned project; routing headers may name the pinned SP again and add a project where the pin has none', async () => {
    await request(app).get(`/sp1.demo2/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
    expect(sp1().volume.requests[0].path).to.equal(`/v3/${sp1().projects.demo2.id}/volumes`);
    await request(app).get(`/sp1/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set({ 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo2' }).expect(200);
    expect(sp1().volume.requests[1].path).to.equal(`/v3/${sp1().projects.demo2.id}/volumes`);
  });

  it('refuses routing headers or a qualifier naming another cloud or project with 400', async () => {
    const refused = async (path: string, headers: Record<string, string>) =>
      (await request(app).get(path).set('x-auth-token', token).set(headers).expect(400)).body.error.message as string;
    const volumes = `/sp1/volume/v3/${idpProject()}/volumes`;
    expect(await refused(volumes, { 'SERVICE-PROVIDER': 'sp2' })).to.equal('This endpoint is pinned to sp1 (a virtual region); SERVICE-PROVIDER names sp2.');
    expect(await refused(volumes, { 'MM-SERVICE-PROVIDER': 'default' })).to.equal('This endpoint is pinned to sp1 (a virtual region); SERVICE-PROVIDER names default.');
    expect(await refused(`${volumes}/v1@sp2`, {})).to.equal("This endpoint is pinned to sp1 (a virtual region); the id's qualifier names sp2.");
    expect(await refused(`/sp1.demo2/volume/v3/${idpProject()}/volumes`, { 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo' })).to.equal(
      'This endpoint is pinned to project demo2 (domain Default) at sp1; the routing headers name demo (domain Default).',
    );
    expect(await refused(`/two/volume/v3/${idpProject()}/volumes`, { 'SERVICE-PROVIDER': 'two', 'PROJECT-NAME': 'demo' })).to.match(/^This endpoint is pinned to two, where your own token goes/);
    expect(sp1().volume.requests).to.deep.equal([]);
  });

  it("answers 400 naming a pinned SP the caller's token does not offer", async () => {
    const refused = await request(app).get(`/sp3/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(400);
    expect(refused.body.error.message).to.equal('Unknown service provider "sp3" (known: sp1, sp2).');
  });

  it("uses the SP's endpoints in the pinned region, and answers 403 when it has none there for the project", async () => {
    await request(app).get(`/sp1.RegionTwo/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
    expect(sp1RegionTwo.requests.map((received) => received.path)).to.deep.equal([`/v3/${sp1().projects.demo.id}/volumes`]);
    expect(sp1().volume.requests).to.deep.equal([]);
    const missing = await request(app).get('/sp1.RegionTwo/image/v2/images').set('x-auth-token', token).expect(403);
    expect(missing.body.error.message).to.equal('Service provider sp1 has no image endpoint with interface public in region RegionTwo for your project.');
  });

  it('leaves anonymous version discovery to the local service, its links pointing at the pinned mount', async () => {
    // Only the gateway lets a request through without a confirmed caller: its anonymous version discovery.
    const anonymous = express().use('/sp1/volume', forwards[0]);
    const versions = await request(anonymous).get('/sp1/volume/').expect(300);
    expect(versions.headers['x-k2k-service-provider']).to.equal(undefined);
    const hrefs = (versions.body.versions as { links: { href: string }[] }[]).flatMap((version) => version.links.map((link) => link.href));
    expect(hrefs.some((href) => /^http:\/\/127\.0\.0\.1:\d+\/sp1\/volume\/v3\/$/.test(href)), hrefs.join(' ')).to.equal(true);
    expect(federation.cloud('idp').volume.requests).to.have.length(1);
  });

  it("passthrough: sends the caller's own token to its catalog's endpoint in the pinned region, with no K2K exchange", async () => {
    const volume = localRegionTwo.seed(idpProject(), { name: 'in-region-two' });
    const answer = await request(app).get(`/two/volume/v3/${idpProject()}/volumes/${volume.id}`).set('x-auth-token', token).expect(200);
    expect(answer.body.volume.name).to.equal('in-region-two');
    expect(answer.headers['x-k2k-service-provider']).to.equal('two');
    const [received] = localRegionTwo.requests;
    expect(received.path).to.equal(`/v3/${idpProject()}/volumes/${volume.id}`);
    expect(received.headers['x-auth-token']).to.equal(token);
    expect(federation.idp.calls.count('saml2.ecp')).to.equal(0);
    expect(otherVolumeRequests()).to.deep.equal([]);
  });

  it("passthrough: 403 for a region the caller's catalog lacks, 508 for a request that already passed this proxy", async () => {
    const missing = await request(app).get(`/three/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(403);
    expect(missing.body.error.message).to.equal('The catalog of your token (for three) has no block-storage endpoint with interface public in region RegionThree for your project.');
    const looped = await request(app).get(`/two/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set('MM-PROXY-LIST', 'test-gateway').expect(508);
    expect(looped.body.error.message).to.match(/not forwarded to two again/);
    expect(localRegionTwo.requests).to.deep.equal([]);
  });

  it('teaches the unpinned mount where a resource read through a pinned one is', async () => {
    const volume = sp1().volume.seed(sp1().projects.demo.id, { name: 'learned-through-pin' });
    await request(app).get(`/sp1/volume/v3/${idpProject()}/volumes/${volume.id}`).set('x-auth-token', token).expect(200);
    const unpinned = await request(app).get(`/volume/v3/${idpProject()}/volumes/${volume.id}`).set('x-auth-token', token).expect(200);
    expect(unpinned.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(otherVolumeRequests()).to.deep.equal([]); // no search probe
  });
});

/** Adds a public volumev3 endpoint in `region` to a simulated Keystone's catalog. */
function addVolumeEndpoint(catalog: Federation['idp']['catalog'], region: string, url: string): void {
  const volume = catalog.services.find((service) => service.type === 'volumev3');
  if (!volume) throw new Error('no volumev3 service');
  catalog.addRegion(region);
  catalog.addEndpoint(volume, { interface: 'public', regionId: region, url });
}
