import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createStore, type Store } from '@k2k/store';
import { ComputeService, startFederation, startMemcached, type Cloud, type Federation, type MemcachedServer } from '@k2k/testing';
import { k2kForward, type K2KForwardOptions } from '../src/index.js';
import { testGateway, userToken } from './gateway-fixture.js';

/**
 * Rule 2.5 on the simulated federation (DESIGN "Compute and network"): a request that names other
 * resources goes where the other mounts learned them to be; named resources held by different
 * clouds are refused with 409 before anything is sent to any cloud, unless the operator declared
 * the pair as sharing storage.
 */
describe('k2kForward: requests that name other resources', () => {
  let federation: Federation;
  let memcached: MemcachedServer;
  let store: Store;
  let computes: Map<string, ComputeService>;
  let token: string;

  before(async () => {
    [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'referenced-resources-tests-0123' });
    computes = new Map(await Promise.all(federation.clouds.map(async (cloud) => [cloud.name, await ComputeService.startIn(cloud.keystone, federation.env.region)] as const)));
    token = await userToken(federation.env);
  });

  after(async () => {
    await Promise.all([...computes.values()].map((compute) => compute.stop()));
    await store.close();
    await Promise.all([federation.close(), memcached.kill()]);
  });

  /** The test gateway (/volume, /image) with a /compute mount, on one store: what one mount learns, the others know. */
  async function withGateway(extra: Partial<K2KForwardOptions>, run: (app: express.Express) => Promise<void>): Promise<void> {
    const gateway = testGateway(federation.env, store, extra);
    const compute = k2kForward({ serviceType: 'compute', authUrl: federation.env.idpAuthUrl, store, proxyId: 'test-gateway', local: `${computes.get('idp')?.publicUrl}/v2.1`, ...extra });
    gateway.app.use('/compute', compute);
    try {
      await run(gateway.app);
    } finally {
      await Promise.all([gateway.close(), compute.close()]);
    }
  }

  const projectAt = (cloud: Cloud) => (cloud.name === 'idp' ? federation.env.idpProjectId : cloud.projects.demo.id);
  /** Each resource is learned by a show the SERVICE-PROVIDER header routes: learned before the answer. */
  async function learnImage(app: express.Express, at: string): Promise<string> {
    const cloud = federation.cloud(at);
    const { id } = cloud.image.seed(projectAt(cloud), { name: 'boot' });
    await request(app).get(`/image/v2/images/${id}`).set('x-auth-token', token).set('service-provider', cloudName(at)).expect(200);
    return id;
  }
  async function learnVolume(app: express.Express, at: string): Promise<string> {
    const cloud = federation.cloud(at);
    const { id } = cloud.volume.seed(projectAt(cloud), { name: 'data' });
    await request(app).get(`/volume/v3/${federation.env.idpProjectId}/volumes/${id}`).set('x-auth-token', token).set('service-provider', cloudName(at)).expect(200);
    return id;
  }
  async function learnServer(app: express.Express, at: string): Promise<string> {
    const cloud = federation.cloud(at);
    const { id } = computes.get(at)?.seed(projectAt(cloud)) ?? { id: '' };
    await request(app).get(`/compute/v2.1/servers/${id}`).set('x-auth-token', token).set('service-provider', cloudName(at)).expect(200);
    return id;
  }
  const cloudName = (at: string) => (at === 'idp' ? 'default' : at);

  /** Forgets what every service received (the learning shows above). */
  function resetServices(): void {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.image.reset();
      computes.get(cloud.name)?.reset();
    }
  }
  /** What each cloud's services received since, as 'METHOD path' by cloud. */
  function received(): Record<string, string[]> {
    return Object.fromEntries(
      federation.clouds.map((cloud) => [
        cloud.name,
        [cloud.volume, cloud.image, computes.get(cloud.name)].flatMap((service) => service?.calls.calls.map((call) => `${call.method} ${call.path}`) ?? []),
      ]),
    );
  }
  const attach = (app: express.Express, server: string, volumeId: string) =>
    request(app).post(`/compute/v2.1/servers/${server}/os-volume_attachments`).set('x-auth-token', token).send({ volumeAttachment: { volumeId } });

  it('sends a server create with no header to the cloud its image was learned at', async () => {
    await withGateway({}, async (app) => {
      const imageRef = await learnImage(app, 'sp1');
      resetServices();
      const answer = await request(app).post('/compute/v2.1/servers').set('x-auth-token', token).send({ server: { name: 'web', flavorRef: '1', imageRef } });
      expect(answer.headers['x-k2k-service-provider']).to.equal('sp1');
      expect(received()).to.deep.equal({ idp: [], sp1: ['POST /v2.1/servers'], sp2: [] });
    });
  });

  it("refuses (409) to attach a volume of sp1 to a local server, naming both clouds, with nothing sent to any cloud", async () => {
    await withGateway({}, async (app) => {
      const [server, volume] = [await learnServer(app, 'idp'), await learnVolume(app, 'sp1')];
      resetServices();
      const answer = await attach(app, server, volume).expect(409);
      expect(answer.body.error).to.include({ code: 409, title: 'Conflict' });
      expect(answer.body.error.message).to.include(`server ${server} at default (the local cloud)`).and.include(`volume ${volume} (volumeAttachment.volumeId) at service provider sp1`);
      expect(received()).to.deep.equal({ idp: [], sp1: [], sp2: [] });
    });
  });

  it('refuses (409) the attachment once a search found the unknown server at another cloud than the volume, having sent only the search', async () => {
    await withGateway({}, async (app) => {
      const volume = await learnVolume(app, 'sp1');
      const server = computes.get('idp')?.seed(federation.env.idpProjectId).id ?? '';
      resetServices();
      const answer = await attach(app, server, volume).expect(409);
      expect(answer.body.error.message).to.include(`server ${server} at default (the local cloud)`);
      // The local cloud holds it: the SPs are not asked (search rule 4); the attachment itself went nowhere.
      expect(received()).to.deep.equal({ idp: [`GET /v2.1/servers/${server}`], sp1: [], sp2: [] });
    });
  });

  it('checks what the attachment names again when the learned server proves stale and a search finds it elsewhere (409, the attachment not resent)', async () => {
    await withGateway({}, async (app) => {
      const [server, volume] = [await learnServer(app, 'sp1'), await learnVolume(app, 'sp1')];
      // The server is gone from sp1; one with its id is at the local cloud.
      computes.get('sp1')?.servers.delete(server);
      computes.get('idp')?.seed(federation.env.idpProjectId, { id: server });
      resetServices();
      const answer = await attach(app, server, volume).expect(409);
      expect(answer.body.error.message).to.include(`server ${server} at default (the local cloud)`);
      const { idp, sp1 } = received();
      expect(sp1.filter((call) => call.startsWith('POST')), 'sent where the server was learned').to.have.length(1);
      expect(idp.filter((call) => call.startsWith('POST')), 'not resent to the cloud the search found').to.deep.equal([]);
    });
  });

  it("sends the attachment to the server's cloud when the operator declared it as sharing storage with the volume's", async () => {
    await withGateway({ sharedStorage: [['sp1', 'default']] }, async (app) => {
      const [server, volume] = [await learnServer(app, 'idp'), await learnVolume(app, 'sp1')];
      resetServices();
      await attach(app, server, volume);
      // The simulated Nova has no attachment route: its 404 at a learned location sends the request
      // through one more search, which finds the server at the local cloud again.
      const { idp, sp1, sp2 } = received();
      expect(idp.filter((call) => call.startsWith('POST'))).to.deep.equal([`POST /v2.1/servers/${server}/os-volume_attachments`, `POST /v2.1/servers/${server}/os-volume_attachments`]);
      expect([...sp1, ...sp2]).to.deep.equal([]);
    });
  });

  it('refuses a sharedStorage option that is no list of cloud pairs, naming the option', () => {
    expect(() => k2kForward({ sharedStorage: [['default']] as unknown as [string, string][] })).to.throw('k2kForward.sharedStorage[0]: must be a pair of clouds');
    expect(() => k2kForward({ sharedStorage: [['sp1', 'sp1']] })).to.throw('k2kForward.sharedStorage[0]: names sp1 twice');
    expect(() => k2kForward({ serviceProviders: ['sp1'], sharedStorage: [['default', 'sp2']] })).to.throw('k2kForward.sharedStorage[0][1]: "sp2" is neither the local cloud');
  });
});
