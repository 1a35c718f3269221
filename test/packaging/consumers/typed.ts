// A fresh TypeScript consumer of the packed @k2k packages (test/packaging copies it into a project
// outside the repository and runs `tsc` on it: strict, module node20, skipLibCheck off, so every
// published .d.ts and what it imports is checked). Type-checked only, never run. This file is
// CommonJS (the project has no "type"); typed.mts checks the same packages from an ES module.
import { createServer, type IncomingMessage } from 'node:http';
import express from 'express';
import { OpenStackError, OptionError, silentLogger, type KeystoneIdentity, type Logger } from '@k2k/common';
import { KeystoneClient, selectEndpoint, type Token } from '@k2k/keystone';
import { createStore, ResourceMap, TokenCache, type ResourceLocation, type Store, type StoreOptions } from '@k2k/store';
import { keystoneAuth, keystoneErrorHandler, KeystoneStrategy, type KeystoneAuthMiddleware, type KeystoneAuthOptions } from '@k2k/keystone-auth';
import { DEFAULT_RESOURCE_TYPES, k2kForward, type ForwardEvent, type K2KForwardMiddleware, type K2KForwardOptions } from '@k2k/k2k-forward';
import { k2kClient, type K2KClient, type K2KClientOptions, type K2KRequestInit, type LocationEvent } from '@k2k/client';
import { startFederation, type Federation, type FederationEnv } from '@k2k/testing';
import { createGateway, createLogger, expressBornRequests, parseConfig, runGateway, startGatewayProcess, type GatewayConfig, type GatewayProcess, type RunningGateway } from '@k2k/gateway';
// @ts-expect-error -- dist/ is not part of the public surface: only the exports map's entries resolve
import type { MemoryStore } from '@k2k/store/dist/src/memory-store.js';
// @ts-expect-error -- the gateway's modules are reached through its index alone
import type { Gateway as GatewayApps } from '@k2k/gateway/dist/src/app/gateway.js';

export type Unreachable = MemoryStore | GatewayApps;

export interface Gateway {
  app: express.Express;
  auth: KeystoneAuthMiddleware;
  volume: K2KForwardMiddleware;
  close(): Promise<void>;
}

export function gateway(env: FederationEnv, logger: Logger = silentLogger): Gateway {
  const storeOptions: StoreOptions = { backend: 'memory', maxEntries: 1000 };
  const store: Store = createStore(storeOptions);
  const authOptions: KeystoneAuthOptions = {
    authUrl: env.idpAuthUrl,
    serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject },
    store,
    logger,
  };
  const forwardOptions: K2KForwardOptions = { serviceType: 'volumev3', authUrl: env.idpAuthUrl, store, local: env.idpVolumeEndpoint, logger };
  const auth = keystoneAuth(authOptions);
  const volume = k2kForward(forwardOptions);
  volume.events.on('forward', (event: ForwardEvent) => logger.debug({ event }, 'forwarded'));
  const app = express();
  app.use(auth);
  app.use('/volume', volume);
  app.get('/whoami', (req, res) => {
    const identity: KeystoneIdentity | undefined = req.keystone; // the augmentation of node:http's IncomingMessage
    res.json({ user: identity?.user.name ?? null, roles: identity?.roles ?? [] });
  });
  app.use(keystoneErrorHandler());
  return { app, auth, volume, close: async () => void (await Promise.all([auth.close(), volume.close()])) };
}

export function strategy(options: KeystoneAuthOptions): string | undefined {
  return new KeystoneStrategy(options).name;
}

export function callerOf(req: IncomingMessage): string | undefined {
  return req.keystone?.project?.id;
}

export async function volumeEndpoint(authUrl: string, token: Token): Promise<string | undefined> {
  const client = new KeystoneClient({ authUrl, timeoutMs: 5000 });
  try {
    return selectEndpoint(token.catalog, { serviceType: 'volumev3', interface: 'public' })?.url;
  } finally {
    await client.close();
  }
}

export function describe(error: unknown): string {
  if (error instanceof OptionError) return `option ${error.option}`;
  if (error instanceof OpenStackError) return `openstack ${error.status}`;
  return String(error);
}

export async function demo(): Promise<number> {
  const federation: Federation = await startFederation({ serviceProviders: ['sp1'] });
  const store = createStore();
  const cache = new TokenCache(store, { safetyMarginSeconds: 60 });
  const locations = new ResourceMap<ResourceLocation>(store, { ttlSeconds: 3600 });
  void [cache, locations];
  await federation.close();
  return DEFAULT_RESOURCE_TYPES['block-storage']?.length ?? 0;
}

/** The gateway embedded: its apps on a server of one's own, then served as `k2k-gateway` serves it. */
export async function embeddedGateway(env: FederationEnv): Promise<RunningGateway> {
  const config: GatewayConfig = parseConfig({
    listen: { port: 0 },
    keystone: { auth_url: env.idpAuthUrl, service_auth: { username: env.serviceUser, password: env.servicePassword, project_name: env.serviceProject } },
    local: { endpoints: { volumev3: env.idpVolumeEndpoint } },
    mounts: { '/volume': 'volumev3' },
  });
  const logger = createLogger('warn');
  const { app, close } = createGateway(config, logger, { virtualRegions: [] });
  createServer({ ...expressBornRequests(app) }, app).close();
  await close();
  return runGateway(config, logger);
}

/** A service's own call through k2kClient: a volume at sp1, as a standard Response. */
export async function volumeAtSp1(env: FederationEnv, token: string, id: string): Promise<{ status: number; name: string | undefined }> {
  const options: K2KClientOptions = { authUrl: env.idpAuthUrl, store: createStore(), placement: (_request, candidates) => candidates[0]?.name };
  const client: K2KClient = k2kClient(options);
  client.events.on('location', (event: LocationEvent) => void event.serviceProvider);
  try {
    const init: K2KRequestInit = { serviceProvider: 'sp1', project: { name: env.spProject, domain: 'Default' }, interface: 'public' };
    const response: Response = await client.session({ token }).service('volumev3', { interface: 'public' }).fetch(`/volumes/${id}`, init);
    const body = (await response.json()) as { volume?: { name?: string } };
    return { status: response.status, name: body.volume?.name };
  } finally {
    await client.close();
  }
}

export function gatewayProcess(configFile: string): Promise<GatewayProcess> {
  return startGatewayProcess(configFile, { logs: 'inherit' });
}
