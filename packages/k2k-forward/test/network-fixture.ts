import express from 'express';
import request from 'supertest';
import { keystoneAuth } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { NetworkService, startFederation, startMemcached, type Cloud, type Federation, type MemcachedServer } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware, type K2KForwardOptions } from '../src/index.js';
import { userToken } from './gateway-fixture.js';

/** A gateway with a `/network` mount on the simulated federation (IdP + sp1 + sp2), a fake Neutron in every cloud, and a real memcached. */
export interface NetworkGateway {
  federation: Federation;
  /** Each cloud's Neutron, by cloud name ('idp', 'sp1', 'sp2') */
  neutron(cloud: string): NetworkService;
  network: K2KForwardMiddleware;
  app: express.Express;
  token: string;
  get(path: string): request.Test;
  /** The caller's project at a cloud (the IdP's demo, each SP's demo) */
  projectAt(cloud: Cloud): string;
  /** Clears every Neutron's resources, request logs and faults */
  reset(): void;
  close(): Promise<void>;
}

export async function startNetworkGateway(extra: Partial<K2KForwardOptions> = {}): Promise<NetworkGateway> {
  const [federation, memcached]: [Federation, MemcachedServer] = await Promise.all([startFederation(), startMemcached()]);
  const { env } = federation;
  const neutrons = new Map<string, NetworkService>();
  for (const cloud of federation.clouds) neutrons.set(cloud.name, await NetworkService.startIn(cloud.keystone, env.region));
  const store: Store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'k2k-forward-tests-secret-0123' });
  const auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
  const neutron = (cloud: string) => neutrons.get(cloud) as NetworkService;
  const network = k2kForward({ serviceType: 'network', authUrl: env.idpAuthUrl, store, local: neutron('idp').publicUrl, proxyId: 'test-gateway', ...extra });
  const app = express();
  app.use(auth);
  app.use('/network', network);
  const token = await userToken(env);
  return {
    federation,
    neutron,
    network,
    app,
    token,
    get: (path) => request(app).get(path).set('x-auth-token', token),
    projectAt: (cloud) => (cloud.name === 'idp' ? env.idpProjectId : cloud.projects.demo.id),
    reset: () => {
      for (const service of neutrons.values()) {
        for (const items of service.resources.values()) items.clear();
        service.reset();
        service.faults.clear();
      }
    },
    close: async () => {
      await Promise.all([auth.close(), network.close(), ...[...neutrons.values()].map((service) => service.stop())]);
      await store.close();
      await Promise.all([federation.close(), memcached.kill()]);
    },
  };
}
