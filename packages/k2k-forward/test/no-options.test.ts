import { expect } from 'chai';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { ComputeService, startFederation, type Federation } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware } from '../src/index.js';
import { userToken } from './gateway-fixture.js';

/** `app.use(keystoneAuth(opts)); app.use(k2kForward())`: the Keystone URL and client, store and logger come from keystoneAuth, the service from the path. */
describe('k2kForward() with no options, after keystoneAuth', () => {
  let federation: Federation;
  let spCompute: ComputeService;
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  let forwards: K2KForwardMiddleware[];
  let app: express.Express;
  let token: string;
  /** K2K exchanges made with keystoneAuth's own Keystone client */
  let exchangesByKeystoneAuthClient: number;

  before(async () => {
    federation = await startFederation();
    const { env } = federation;
    // Only sp1 runs a Nova (in its catalog before any token is scoped there): the local cloud's compute is the service's own routes.
    spCompute = await ComputeService.startIn(federation.sp('sp1'), env.region);
    store = createStore();
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    forwards = [k2kForward(), k2kForward(), k2kForward(), k2kForward({ serviceType: 'image' }), k2kForward({ keystoneTimeoutMs: 5000 })];
    exchangesByKeystoneAuthClient = 0;
    app = express();
    app.use(auth);
    app.use(countExchangesOfKeystoneAuthClient);
    app.use('/volume', forwards[0]);
    app.use('/compute', forwards[1]);
    app.use('/as-image', forwards[3]);
    app.use('/own-keystone', forwards[4]);
    app.use(forwards[2]); // at the root: the resource type tells the service
    app.use((req, res) => void res.json({ answeredBy: 'the service itself', path: req.originalUrl }));
    token = await userToken(env);
  });

  after(async () => {
    await Promise.all([auth.close(), ...forwards.map((forward) => forward.close()), spCompute.stop()]);
    await store.close();
    await federation.close();
  });

  /** Counts the K2K exchanges (`federate`) made with the client keystoneAuth leaves in req.keystoneContext. */
  const counted = new WeakSet<object>();
  function countExchangesOfKeystoneAuthClient(req: Request, _res: Response, next: NextFunction): void {
    const client = req.keystoneContext?.keystone;
    if (client && !counted.has(client)) {
      counted.add(client);
      const federate = client.federate.bind(client);
      client.federate = (...args) => {
        exchangesByKeystoneAuthClient++;
        return federate(...args);
      };
    }
    next();
  }

  const sp1 = () => federation.cloud('sp1');
  const project = () => federation.env.idpProjectId;

  it("forwards to an SP with keystoneAuth's Keystone, inferring the service from the mount", async () => {
    const volume = sp1().volume.seed(sp1().projects.demo.id, { name: 'no-options' });
    const answer = await request(app).get(`/volume/v3/${project()}/volumes/${volume.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(answer.body.volume.name).to.equal('no-options');
    expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
  });

  it('falls through to the next middleware for what stays local: volume, image and compute paths', async () => {
    for (const path of [`/volume/v3/${project()}/volumes`, '/v2/images', `/compute/v2.1/${project()}/servers`]) {
      const answer = await request(app).get(path).set('x-auth-token', token).expect(200);
      expect(answer.body).to.deep.equal({ answeredBy: 'the service itself', path });
    }
  });

  it('infers the image and compute services from the resource type or the mount, and forwards them to an SP', async () => {
    const image = sp1().image.seed(sp1().projects.demo.id, { name: 'root-mounted' });
    const shown = await request(app).get(`/v2/images/${image.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(shown.body.name).to.equal('root-mounted');
    const server = spCompute.seed(sp1().projects.demo.id, { name: 'at-sp1' });
    const compute = await request(app).get(`/compute/v2.1/${project()}/servers/${server.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(compute.body.server.name).to.equal('at-sp1');
    expect(compute.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(spCompute.requests.at(-1)?.path).to.equal(`/v2.1/${sp1().projects.demo.id}/servers/${server.id}`);
  });

  it("shares keystoneAuth's Keystone client for its K2K exchanges", async () => {
    const fresh = await userToken(federation.env); // a token of its own: nothing cached for it at sp1
    const before = exchangesByKeystoneAuthClient;
    const volume = sp1().volume.seed(sp1().projects.demo.id, { name: 'shared-client' });
    await request(app).get(`/volume/v3/${project()}/volumes/${volume.id}`).set({ 'x-auth-token': fresh, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(exchangesByKeystoneAuthClient).to.equal(before + 1);
  });

  it('lets explicit options win', async () => {
    const image = sp1().image.seed(sp1().projects.demo.id, { name: 'explicit' });
    await request(app).get(`/as-image/v2/images/${image.id}`).set({ 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    // A Keystone setting of its own (here its timeout): a client of its own, not keystoneAuth's.
    const fresh = await userToken(federation.env);
    const before = exchangesByKeystoneAuthClient;
    const volume = sp1().volume.seed(sp1().projects.demo.id, { name: 'own-client' });
    const shown = await request(app).get(`/own-keystone/v3/${project()}/volumes/${volume.id}`).set({ 'x-auth-token': fresh, 'SERVICE-PROVIDER': 'sp1' }).expect(200);
    expect(shown.body.volume.name).to.equal('own-client');
    expect(exchangesByKeystoneAuthClient).to.equal(before);
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
