import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { startFederation, type Federation } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware } from '../src/index.js';
import { userToken } from './gateway-fixture.js';

/** `app.use(keystoneAuth(opts)); app.use(k2kForward())`: the Keystone URL, store and logger come from keystoneAuth, the service from the path. */
describe('k2kForward() with no options, after keystoneAuth', () => {
  let federation: Federation;
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  let forwards: K2KForwardMiddleware[];
  let app: express.Express;
  let token: string;

  before(async () => {
    federation = await startFederation();
    const { env } = federation;
    store = createStore();
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    forwards = [k2kForward(), k2kForward(), k2kForward(), k2kForward({ serviceType: 'image' })];
    app = express();
    app.use(auth);
    app.use('/volume', forwards[0]);
    app.use('/compute', forwards[1]);
    app.use('/as-image', forwards[3]);
    app.use(forwards[2]); // at the root: the resource type tells the service
    app.use((req, res) => void res.json({ answeredBy: 'the service itself', path: req.originalUrl }));
    token = await userToken(env);
  });

  after(async () => {
    await Promise.all([auth.close(), ...forwards.map((forward) => forward.close())]);
    await store.close();
    await federation.close();
  });

  const sp1 = () => federation.cloud('sp1');
  const project = () => federation.env.idpProjectId;

  it("forwards to an SP with keystoneAuth's Keystone, inferring the service from the mount", async () => {
    const volume = sp1().volume.seed(sp1().projects.demo.id, { name: 'no-options' });
    const answer = await request(app).get(`/volume/v3/${project()}/volumes/${volume.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(answer.body.volume.name).to.equal('no-options');
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
  });

  it('falls through to the next middleware for what stays local', async () => {
    const answer = await request(app).get(`/volume/v3/${project()}/volumes`).set('x-auth-token', token).expect(200);
    expect(answer.body).to.deep.equal({ answeredBy: 'the service itself', path: `/volume/v3/${project()}/volumes` });
  });

  it('infers the image and compute services from the resource type or the mount', async () => {
    const image = sp1().image.seed(sp1().projects.demo.id, { name: 'root-mounted' });
    const shown = await request(app).get(`/v2/images/${image.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(shown.body.name).to.equal('root-mounted');
    const compute = await request(app).get(`/compute/v2.1/${project()}/servers`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(403);
    expect(compute.body.error.message).to.match(/sp1 has no compute endpoint/); // the simulated SP runs no Nova: compute was inferred
  });

  it('lets explicit options win', async () => {
    const image = sp1().image.seed(sp1().projects.demo.id, { name: 'explicit' });
    await request(app).get(`/as-image/v2/images/${image.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
  });

  it('answers 400 naming what to configure when neither mount nor path tells the service', async () => {
    const answer = await request(app).get('/v1/things').set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(400);
    expect(answer.body.error.message).to.match(/cannot tell which service .* give it serviceType/);
  });

  it('answers 500 naming keystoneAuth when it is not mounted before', async () => {
    const bare = express();
    const forward = k2kForward();
    bare.use('/volume', forward);
    try {
      const answer = await request(bare).get('/volume/v3/x/volumes').expect(500);
      expect(answer.body.error.message).to.equal('k2kForward needs keystoneAuth mounted before it (or its authUrl option).');
    } finally {
      await forward.close();
    }
  });
});
