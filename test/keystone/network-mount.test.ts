import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { k2kForward, type K2KForwardMiddleware } from '@k2k/k2k-forward';
import { createStore, type Store } from '@k2k/store';
import { startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { realNeutron } from './real-neutron.js';

type Network = { id: string; name: string; 'k2k:service_provider'?: string };
type Link = { rel: string; href: string };

/**
 * A `/network` mount over the REAL neutron-servers of both clouds (the IdP's as the local service,
 * the SP's from its catalog through K2K): a create at the SP learned, found by search from a
 * gateway that never saw it, `<id>@<sp>.json`, and one list of both clouds' networks paged with
 * Neutron's next and previous links on the gateway.
 */
describe('k2kForward: a /network mount over real Neutron at both clouds', function () {
  this.timeout(120_000);
  let env: FederationEnv;
  let memcached: MemcachedServer;
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  const mounts: K2KForwardMiddleware[] = [];
  let token: string;
  /** The gateway, and a second one on a store of its own (it has learned nothing) */
  let app: express.Express;
  let fresh: express.Express;
  const made: string[] = [];

  before(async () => {
    env = realFederation();
    const local = (await realNeutron(env)).endpoint;
    memcached = await startMemcached();
    store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'real-network-suite-secret' });
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    const gatewayOn = (own: Store) => {
      const network = k2kForward({ serviceType: 'network', authUrl: env.idpAuthUrl, store: own, local, proxyId: `real-network-${mounts.length}` });
      mounts.push(network);
      const gateway = express();
      gateway.use(auth);
      gateway.use('/network', network);
      return gateway;
    };
    app = gatewayOn(store);
    fresh = gatewayOn(createStore());
    token = await userToken(env);
  });

  after(async () => {
    for (const id of made) await request(app).delete(`/network/v2.0/networks/${id}`).set('x-auth-token', token);
    await Promise.all([auth?.close(), ...mounts.map((mount) => mount.close())]);
    await store?.close();
    await memcached?.kill();
  });

  const atSp = () => ({ 'x-auth-token': token, 'SERVICE-PROVIDER': env.spId });
  const create = async (name: string, headers: Record<string, string> = { 'x-auth-token': token }): Promise<Network> => {
    const answer = await request(app).post('/network/v2.0/networks').set(headers).send({ network: { name } }).expect(201);
    made.push(answer.body.network.id as string);
    return answer.body.network as Network;
  };

  it('creates at the SP, then reaches the network with no header (learned), by search from a fresh gateway, and as <id>@<sp>.json', async () => {
    const network = await create(`k2k-real-${randomUUID().slice(0, 8)}`, atSp());
    const learned = await request(app).get(`/network/v2.0/networks/${network.id}`).set('x-auth-token', token).expect(200);
    expect([learned.headers['x-k2k-service-provider'], learned.body.network.id]).to.deep.equal([env.spId, network.id]);
    const searched = await request(fresh).get(`/network/v2.0/networks/${network.id}`).set('x-auth-token', token).expect(200);
    expect(searched.headers['x-k2k-service-provider']).to.equal(env.spId);
    const qualified = await request(fresh).get(`/network/v2.0/networks/${network.id}@${env.spId}.json`).set('x-auth-token', token).expect(200);
    expect(qualified.body.network.name).to.equal(network.name);
    await request(app).delete(`/network/v2.0/networks/${network.id}`).set('x-auth-token', token).expect(204);
    await request(fresh).get(`/network/v2.0/networks/${network.id}@${env.spId}`).set('x-auth-token', token).expect(404);
  });

  it("lists both clouds' networks as one, paged both ways with Neutron's links on the gateway", async () => {
    const prefix = `k2k-real-page-${randomUUID().slice(0, 8)}`;
    const where = new Map<string, string>();
    for (const suffix of ['a', 'c']) where.set(`${prefix}-${suffix}`, 'local');
    for (const suffix of ['b', 'd']) where.set(`${prefix}-${suffix}`, env.spId);
    for (const [name, cloud] of where) await create(name, cloud === 'local' ? { 'x-auth-token': token } : atSp());
    const names = [...where.keys()].sort();
    const query = `${names.map((name) => `name=${name}`).join('&')}&sort_key=name&sort_dir=asc&limit=3`;
    const get = (path: string) => request(app).get(path).set({ 'x-auth-token': token, 'x-k2k-include-location': 'true' });
    const first = await get(`/network/v2.0/networks?${query}`).expect(200);
    expect(first.headers).to.not.have.property('x-k2k-partial');
    expect((first.body.networks as Network[]).map((n) => [n.name, n['k2k:service_provider']])).to.deep.equal(names.slice(0, 3).map((name) => [name, where.get(name) === 'local' ? 'default' : env.spId]));
    const links = first.body.networks_links as Link[];
    expect(links.map((link) => link.rel)).to.deep.equal(['next', 'previous']);
    const path = (href: string) => {
      const url = new URL(href);
      expect(url.pathname).to.equal('/network/v2.0/networks');
      return `${url.pathname}${url.search}`;
    };
    const second = await get(path(links[0].href)).expect(200);
    expect((second.body.networks as Network[]).map((n) => n.name)).to.deep.equal(names.slice(3));
    const back = await get(path((second.body.networks_links as Link[]).find((link) => link.rel === 'previous')?.href as string)).expect(200);
    expect((back.body.networks as Network[]).map((n) => n.name)).to.deep.equal(names.slice(0, 3));
  });
});
