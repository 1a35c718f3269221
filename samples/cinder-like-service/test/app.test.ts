import { expect } from 'chai';
import request from 'supertest';
import { createStore } from '@k2k/store';
import { startFederation, type Federation } from '@k2k/testing';
import { createCinderLikeService } from '../src/app.js';

describe('sample: a Cinder-like service with k2kForward in front of its own routes', () => {
  let federation: Federation;
  let service: ReturnType<typeof createCinderLikeService>;
  let token: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    service = createCinderLikeService({ keystone: { authUrl: federation.idp.authUrl, serviceAuth: { username: 'k2k', password: 'secret', projectName: 'service' } }, store: createStore() });
    token = federation.idp.issueToken('alice', 'demo');
  });

  after(async () => {
    await service.close();
    await federation.close();
  });

  it('serves its own volumes locally', async () => {
    const path = `/v3/${federation.env.idpProjectId}/volumes`;
    const created = await request(service.app).post(path).set('x-auth-token', token).send({ volume: { name: 'mine', size: 1 } }).expect(202);
    const listed = await request(service.app).get(path).set('x-auth-token', token).expect(200);
    expect(listed.body.volumes.map((v: { id: string }) => v.id)).to.deep.equal([created.body.volume.id]);
    expect(federation.cloud('sp1').volume.requests).to.have.length(0);
  });

  it("sends calls that name a service provider to that cloud's Cinder", async () => {
    const remote = federation.cloud('sp1').volume.seed(federation.cloud('sp1').projects.demo.id, { name: 'theirs' });
    const response = await request(service.app).get(`/v3/${federation.env.idpProjectId}/volumes/${remote.id}`).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp1').expect(200);
    expect(response.body.volume.name).to.equal('theirs');
    expect(response.headers['x-k2k-service-provider']).to.equal('sp1');
  });

  it('creates a volume from an image held by another cloud: the image is looked up through k2kClient, found by search, and the caller\'s token stays home', async () => {
    const sp1 = federation.cloud('sp1');
    const image = sp1.image.seed(sp1.projects.demo.id, { name: 'ubuntu-at-sp1' });
    const path = `/v3/${federation.env.idpProjectId}/volumes`;
    const created = await request(service.app).post(path).set('x-auth-token', token).send({ volume: { size: 1, imageRef: image.id } }).expect(202);
    expect(created.body.volume.volume_image_metadata).to.deep.equal({ image_id: image.id, image_name: 'ubuntu-at-sp1', image_cloud: 'sp1' });
    expect(sp1.image.requests.some((r) => r.path.endsWith(`/v2/images/${image.id}`))).to.equal(true);
    expect(sp1.image.requests.map((r) => r.headers['x-auth-token'])).to.not.include(token);
    // A local image is found at home; an image nobody holds is refused as Cinder refuses it.
    const local = federation.cloud('idp').image.seed(federation.cloud('idp').projects.demo.id, { name: 'local-image' });
    const fromLocal = await request(service.app).post(path).set('x-auth-token', token).send({ volume: { size: 1, imageRef: local.id } }).expect(202);
    expect(fromLocal.body.volume.volume_image_metadata.image_cloud).to.equal('local');
    const missing = await request(service.app).post(path).set('x-auth-token', token).send({ volume: { size: 1, imageRef: '7a0c8d0e-0000-4000-8000-000000000000' } }).expect(400);
    expect(missing.body.badRequest.message).to.match(/Invalid image identifier/);
  });

  it('refuses a caller without a token', async () => {
    await request(service.app).get(`/v3/${federation.env.idpProjectId}/volumes`).expect(401);
  });
});
