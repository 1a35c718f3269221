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

  it('refuses a caller without a token', async () => {
    await request(service.app).get(`/v3/${federation.env.idpProjectId}/volumes`).expect(401);
  });
});
