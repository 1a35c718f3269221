import express from 'express';
import { keystoneAuth, type KeystoneAuthMiddleware } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import { startFederation, startMemcached, type Federation, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import { k2kForward, type K2KForwardMiddleware, type K2KForwardOptions } from '../src/index.js';

/** A K2K gateway on the simulated federation: keystoneAuth, then /volume and /image mounts. */
export interface TestGateway {
  app: express.Express;
  auth: KeystoneAuthMiddleware;
  volume: K2KForwardMiddleware;
  image: K2KForwardMiddleware;
  close(): Promise<void>;
}

/** Works on the simulator's env and on real Keystone's (test/keystone/up.sh) alike. */
export function testGateway(env: FederationEnv, store: Store, extra: Partial<K2KForwardOptions> = {}): TestGateway {
  const serviceAuth = { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject };
  const auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth, store, ...(extra.logger && { logger: extra.logger }) });
  const common = { authUrl: env.idpAuthUrl, store, proxyId: 'test-gateway', ...extra };
  const volume = k2kForward({ serviceType: 'volumev3', local: env.idpVolumeEndpoint, ...common });
  const image = k2kForward({ serviceType: 'image', local: env.idpImageEndpoint, ...common });
  const app = express();
  app.use(auth);
  app.use('/volume', volume);
  app.use('/image', image);
  return {
    app,
    auth,
    volume,
    image,
    close: async () => {
      await Promise.all([auth.close(), volume.close(), image.close()]);
    },
  };
}

/** A project-scoped token at the IdP (the env's user in its project unless told), over the HTTP API (as a client would get it). */
export async function userToken(env: FederationEnv, projectName = env.idpProject, user = { name: env.user, password: env.userPassword }): Promise<string> {
  const response = await fetch(`${env.idpAuthUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user.name, domain: { name: env.userDomain }, password: user.password } } },
        scope: { project: { name: projectName, domain: { name: 'Default' } } },
      },
    }),
  });
  await response.body?.cancel();
  const token = response.headers.get('x-subject-token');
  if (!token) throw new Error(`no token: ${response.status}`);
  return token;
}

/** Waits (bounded) until a condition holds: what is learned from a body is learned after the answer. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Every Keystone call the federation counted, IdP and SPs together. */
export function keystoneCalls(federation: Federation): number {
  return federation.clouds.reduce((sum, cloud) => sum + cloud.keystone.calls.count(), 0);
}

/** A test gateway on a fresh simulated federation (IdP + sp1 + sp2) and a real memcached, with a user token: what most suites here start from. */
export interface FederatedGateway {
  federation: Federation;
  memcached: MemcachedServer;
  store: Store;
  gateway: TestGateway;
  token: string;
  close(): Promise<void>;
}

export async function startFederatedGateway(extra: Partial<K2KForwardOptions> = {}): Promise<FederatedGateway> {
  const [federation, memcached] = await Promise.all([startFederation(), startMemcached()]);
  const store = createStore({ backend: 'memcached', servers: [memcached.location], secret: 'k2k-forward-tests-secret-0123' });
  const gateway = testGateway(federation.env, store, extra);
  return {
    federation,
    memcached,
    store,
    gateway,
    token: await userToken(federation.env),
    close: async () => {
      await gateway.close();
      await store.close();
      await Promise.all([federation.close(), memcached.kill()]);
    },
  };
}
