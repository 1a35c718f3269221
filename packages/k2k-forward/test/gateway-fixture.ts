import express from 'express';
import type request from 'supertest';
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

/** How `pageThrough` walks a merged list: its collection key and what every next link must be. */
export interface Paging<T> {
  /** The collection's key in the body ('volumes', 'servers'); its links are `<collection>_links` */
  collection: string;
  /** With the last item's id as the marker instead of following the next links */
  byId: boolean;
  /** Asserts a next link points at the proxy, not at a cloud */
  throughProxy(next: URL): void;
  /** Called with each page as it comes */
  between?(page: number, items: T[]): void;
}

/** Follows a merged list's next links (or, with `byId`, the last item's id as the marker) to the end, 50 pages at most. */
export async function pageThrough<T extends { id: string }>(get: (path: string) => request.Test, first: string, paging: Paging<T>): Promise<T[][]> {
  const pages: T[][] = [];
  let path: string | undefined = first;
  while (path && pages.length < 50) {
    const answer: request.Response = await get(path).expect(200);
    const items = answer.body[paging.collection] as T[];
    pages.push(items);
    paging.between?.(pages.length, items);
    const next: string | undefined = (answer.body[`${paging.collection}_links`] as { rel: string; href: string }[] | undefined)?.find((link) => link.rel === 'next')?.href;
    if (!next) break;
    const url: URL = new URL(next);
    paging.throughProxy(url);
    path = paging.byId ? `${first}${first.includes('?') ? '&' : '?'}marker=${items[items.length - 1].id}` : `${url.pathname}${url.search}`;
  }
  return pages;
}
