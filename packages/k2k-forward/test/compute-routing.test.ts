import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { ComputeService, startFederation, type Federation } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware, type ProbeEvent } from '../src/index.js';
import { until, userToken } from './gateway-fixture.js';

/**
 * A `/compute` mount on Nova's servers (DESIGN "Compute and network"): an id nobody learned is
 * found by probes whose answers must describe that server in Nova's shape (`{"server": {...}}`
 * with the id asked for), and a rogue SP answering any server id draws no read or write to itself.
 */
describe('k2kForward: Nova servers found across clouds, and a rogue SP', () => {
  let federation: Federation;
  let computes: Map<string, ComputeService>;
  let store: Store;
  let auth: KeystoneAuthMiddleware;
  let compute: K2KForwardMiddleware;
  let app: express.Express;
  let token: string;
  let probes: ProbeEvent[];

  before(async () => {
    federation = await startFederation();
    const { env } = federation;
    computes = new Map();
    for (const cloud of federation.clouds) computes.set(cloud.name, await ComputeService.startIn(cloud.keystone, env.region));
    store = createStore();
    auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
    compute = k2kForward({ serviceType: 'compute', authUrl: env.idpAuthUrl, store, local: `${nova('idp').publicUrl}/v2.1`, proxyId: 'test-gateway' });
    compute.events.on('probe', (event: ProbeEvent) => probes.push(event));
    app = express().use(auth).use('/compute', compute);
    token = await userToken(env);
  });

  after(async () => {
    await Promise.all([auth.close(), compute.close(), ...[...computes.values()].map((service) => service.stop())]);
    await store.close();
    await federation.close();
  });

  beforeEach(() => {
    probes = [];
    for (const service of computes.values()) {
      service.servers.clear();
      service.faults.clear();
      service.reset();
    }
  });

  function nova(cloud: string): ComputeService {
    return computes.get(cloud) as ComputeService;
  }
  const server = (id: string) => `/compute/v2.1/${federation.env.idpProjectId}/servers/${id}`;
  const seedAtSp1 = () => nova('sp1').seed(federation.cloud('sp1').projects.demo.id, { name: 'real' });
  const outcomes = () => probes.map((p) => `${p.serviceProvider ?? 'local'}:${p.outcome}`).sort();
  /** What each cloud's Nova received, by method: its call log counts requests no route of the fake matches, too */
  const handled = (method: string) => [...computes].map(([cloud, service]) => `${cloud}:${service.calls.calls.filter((c) => c.method === method).length}`);

  it('finds a server made at sp1 with no header, and learns it: the next read goes straight there', async () => {
    const made = seedAtSp1();
    const found = await request(app).get(server(made.id)).set('x-auth-token', token).expect(200);
    expect([found.headers['x-k2k-service-provider'], found.body.server.id]).to.deep.equal(['sp1', made.id]);
    await until(() => probes.length === 3);
    expect(outcomes()).to.deep.equal(['local:missing', 'sp1:found', 'sp2:missing']);
    probes = [];
    await request(app).get(server(made.id)).set('x-auth-token', token).expect(200);
    expect(probes).to.deep.equal([]);
  });

  it('a rogue SP answering any server id claims nothing unless its answer describes that server; one echoing every id makes it ambiguous (a write is 409, sent nowhere)', async () => {
    const rogues = [() => ({}), ({ id }: Readonly<Record<string, string>>) => ({ servers: [{ id }] }), () => ({ server: { id: 'another' } })];
    for (const [i, rogue] of rogues.entries()) {
      const made = seedAtSp1();
      nova('sp1').faults.set({ latencyMs: 100 }, 'servers.show'); // the rogue answers first
      nova('sp2').faults.set({ rogue }, 'servers.show');
      probes = [];
      const answer = await request(app).get(server(made.id)).set('x-auth-token', token).expect(200);
      expect([answer.headers['x-k2k-service-provider'], answer.body.server.id], `rogue ${i}`).to.deep.equal(['sp1', made.id]);
      await until(() => probes.length === 3);
      expect(outcomes(), `rogue ${i}`).to.deep.equal(['local:missing', 'sp1:found', 'sp2:invalid']);
    }
    const echoed = seedAtSp1();
    nova('sp2').faults.set({ rogue: ({ id }) => ({ server: { id } }) }, 'servers.show');
    const refused = await request(app).delete(server(echoed.id)).set('x-auth-token', token).expect(409);
    expect(refused.body.error.message).to.include('service provider sp1').and.include('service provider sp2');
    expect(handled('DELETE')).to.deep.equal(['idp:0', 'sp1:0', 'sp2:0']);
  });
});
