import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Logger as PinoLogger } from 'pino';
import { k2kForward, type K2KForwardMiddleware, type MountPin } from '@k2k/k2k-forward';
import { requestIdOf } from '@k2k/keystone';
import { keystoneAuth, type KeystoneCallEvent } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import type { GatewayConfig } from './config.js';
import { virtualRegionNames } from './endpoint-policy-config.js';
import { errorsAsOpenStack, notFound } from './gateway-errors.js';
import { GatewayMetrics } from './metrics.js';
import { originFormOnly } from './origin-form.js';
import { ownEndpoints } from './own-endpoints.js';
import { regionsDocument } from './regions-document.js';
import { authenticateUnlessVersionDiscovery } from './version-discovery.js';
import type { VirtualRegion } from './virtual-regions.js';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** One worker's gateway: the Express apps and what it must release on shutdown. */
export interface Gateway {
  /** The public API; with /healthz and /metrics unless the config has an admin listener */
  app: express.Express;
  /** /healthz and /metrics alone, for the admin listener */
  admin: express.Express;
  metrics: GatewayMetrics;
  /** Marks the gateway as stopping: /healthz answers 503 so balancers drain it */
  drain(): void;
  close(): Promise<void>;
}

/**
 * The gateway an operator puts in the service catalog in place of a service endpoint: every
 * request is authenticated (keystoneAuth), then each mount forwards to the cloud that should
 * answer (k2kForward, local service or a service provider through K2K). /healthz and /metrics
 * are the gateway's own: on the public port, or on the admin listener alone when there is one.
 */
export interface GatewayOptions {
  /** The store; default: the one the config describes */
  store?: Store;
  /** How /metrics reads the metrics; default: this process's registry (a cluster worker passes the cluster's) */
  readMetrics?: (metrics: GatewayMetrics) => () => Promise<string>;
  /** The virtual regions to mount; required when the config says `auto` (resolveVirtualRegions finds them) */
  virtualRegions?: VirtualRegion[];
}

export function createGateway(config: GatewayConfig, logger: PinoLogger, options: GatewayOptions = {}): Gateway {
  const virtualRegions = options.virtualRegions ?? (config.virtualRegions === 'auto' ? undefined : config.virtualRegions);
  if (!virtualRegions) throw new Error('virtual_regions: auto: pass the virtual regions found at the IdP (resolveVirtualRegions)');
  const store = options.store ?? storeFor(config, logger);
  const { routing } = config;
  const { keystone } = config;
  const regionNames = virtualRegionNames(virtualRegions);
  // No identity headers: the services behind validate tokens themselves, and k2kForward forwards none.
  const auth = keystoneAuth({ authUrl: keystone.authUrl, serviceAuth: keystone.serviceAuth, store, logger, identityHeaders: false });
  const forwardTo = (mount: string, serviceType: string, pin?: MountPin) =>
    k2kForward({
      serviceType,
      authUrl: keystone.authUrl,
      store,
      local: config.local.endpoints[serviceType],
      ...(config.publicUrl && { publicUrl: `${config.publicUrl}${mount}` }),
      localName: config.local.name,
      timeoutMs: config.upstream.timeoutMs,
      keystoneTimeoutMs: config.upstream.keystoneTimeoutMs,
      ...(config.serviceProviders !== 'auto' && { serviceProviders: config.serviceProviders }),
      endpointPolicy: config.endpointPolicy,
      virtualRegionNames: regionNames,
      logger,
      learn: routing.learn,
      search: routing.searchByBroadcast,
      ...(routing.resourceTypes[serviceType] && { resourceTypes: routing.resourceTypes[serviceType] }),
      locationTtlSeconds: routing.locationTtlSeconds,
      absentTtlSeconds: routing.absentTtlSeconds,
      ...(routing.probeTimeoutMs !== undefined && { probeTimeoutMs: routing.probeTimeoutMs }),
      maxSearchesPerCaller: routing.maxSearchesPerCaller,
      aggregate: routing.aggregation,
      ...(routing.aggregateResourceTypes[serviceType] && { aggregateResourceTypes: routing.aggregateResourceTypes[serviceType] }),
      pageLimit: routing.pageLimit,
      listBodyLimitBytes: routing.listBodyLimitBytes,
      placement: routing.placement,
      targetMetadata: config.regionMetadata,
      ...(pin && { pin }),
      identity: Object.fromEntries(Object.entries(config.serviceProviderSettings).map(([sp, settings]) => [sp, settings.identity])),
      ...(config.reseller && { reseller: { secret: config.reseller.secret, projectDomain: config.reseller.projectDomainName } }),
    });
  // Express tries mounts in order: /<region>/volume before /volume.
  const forwards = new Map<string, K2KForwardMiddleware>();
  for (const region of virtualRegions) {
    for (const [mount, serviceType] of Object.entries(config.mounts)) forwards.set(`/${region.name}${mount}`, forwardTo(`/${region.name}${mount}`, serviceType, pinOf(region)));
  }
  for (const [mount, serviceType] of Object.entries(config.mounts)) forwards.set(mount, forwardTo(mount, serviceType));
  const metrics = new GatewayMetrics({
    tokenValidation: () => auth.stats(),
    remoteTokens: () => sum([...forwards.values()].map((forward) => forward.stats().cache)),
    locations: () => sum([...forwards.values()].map((forward) => forward.stats().locations)),
    store: () => store.stats(),
  });
  auth.events.on('keystone-call', (event: KeystoneCallEvent) => metrics.keystoneCalled(event));
  for (const forward of forwards.values()) {
    forward.events.on('exchange', (event) => metrics.exchanged(event));
    forward.events.on('location', (event) => metrics.location(event));
    forward.events.on('search', (event) => metrics.searched(event));
    forward.events.on('probe', (event) => metrics.probed(event));
    forward.events.on('placement', (event) => metrics.placed(event));
  }
  const readMetrics = options.readMetrics?.(metrics) ?? (() => metrics.registry.metrics());
  let draining = false;
  const own = ownEndpoints({ draining: () => draining, readMetrics, metricsContentType: metrics.registry.contentType });
  const logRequests = requestLog(logger, metrics, [...forwards.keys()]);

  const app = express();
  app.disable('x-powered-by');
  app.use(logRequests, originFormOnly);
  if (!config.adminListen) app.use(own);
  // Authentication per mount: a path nothing serves is a 404 without a word to Keystone.
  const authenticate = authenticateUnlessVersionDiscovery(auth);
  // Discovery: what the unpinned mounts' routing offers the caller (virtual regions pin one each).
  const regions = regionsDocument({
    mounts: Object.keys(config.mounts).map((path) => ({ path, forward: forwards.get(path) as K2KForwardMiddleware })),
    virtualRegions: virtualRegions.map((region) => ({ name: region.name, target: region.serviceProvider })),
    placement: routing.placement,
    store,
  });
  app.use('/k2k/v1/regions', auth, (req, res, next) => (req.path === '/' ? void regions(req, res) : next()));
  for (const [mount, forward] of forwards) app.use(mount, thenForward(authenticate, forward));
  app.use(notFound, errorsAsOpenStack(logger));

  const admin = express();
  admin.disable('x-powered-by');
  admin.use(logRequests, own, notFound, errorsAsOpenStack(logger));

  return {
    app,
    admin,
    metrics,
    drain: () => {
      draining = true;
    },
    close: async () => {
      await Promise.all([auth.close(), ...[...forwards.values()].map((forward) => forward.close())]);
      await store.close();
    },
  };
}

/** Authentication, then the mount's k2kForward, as one router layer: every request of a mount runs both. */
function thenForward(authenticate: Middleware, forward: Middleware): Middleware {
  return function authenticatedForward(req, res, next) {
    authenticate(req, res, (error?: unknown) => (error === undefined ? forward(req, res, next) : next(error)));
  };
}

function pinOf(region: VirtualRegion): MountPin {
  const { serviceProvider, project, token } = region;
  return { serviceProvider, token, ...(token === 'k2k' && { name: region.name }), ...(region.region !== undefined && { region: region.region }), ...(project && { project }) };
}

/** The store the config names (the sync command takes its lease there). */
export function storeFor(config: GatewayConfig, logger: PinoLogger): Store {
  const { store } = config;
  const security = store.secretKey ? { secret: store.secretKey, securityStrategy: store.securityStrategy } : {};
  if (store.backend === 'memory') return createStore({ backend: 'memory', ...security });
  // with insecure_plaintext, the store warns through the logger when it is created
  return createStore({ backend: store.backend, servers: store.servers, ...security, insecurePlaintext: store.insecurePlaintext, logger });
}

/** The gateway's own endpoints: scrapes and health checks are neither counted nor logged as requests. */
const OWN_PATHS = new Set(['/metrics', '/healthz']);
const GLOBAL_REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * One log line and one metric sample per answered request: request id (and the caller's global
 * one), user, project, service provider, status, duration. Never a header value, so never a token.
 */
function requestLog(logger: PinoLogger, metrics: GatewayMetrics, mounts: string[]) {
  const below = mounts.map((mount) => ({ mount, prefix: `${mount}/` }));
  return function logRequest(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const requestId = requestIdOf(req, res); // every answer carries one, the gateway's own included
    const target = req.url ?? '/';
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    if (OWN_PATHS.has(path)) return next();
    const started = process.hrtime.bigint();
    const mount = below.find((candidate) => path === candidate.mount || path.startsWith(candidate.prefix))?.mount ?? 'none';
    const incoming = req.headers['x-openstack-request-id'];
    const globalRequestId = typeof incoming === 'string' && GLOBAL_REQUEST_ID.test(incoming) ? incoming : undefined;
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const serviceProvider = String(res.getHeader('x-k2k-service-provider') ?? 'local');
      metrics.answered(mount, serviceProvider, req.method ?? 'GET', res.statusCode, seconds);
      if (!logger.isLevelEnabled('info')) return;
      const identity = req.keystone;
      logger.info(
        {
          requestId,
          ...(globalRequestId && { globalRequestId }),
          userId: identity?.user.id,
          projectId: identity?.project?.id,
          method: req.method,
          path,
          status: res.statusCode,
          serviceProvider,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    });
    next();
  };
}

function sum(counts: { hits: number; misses: number }[]): { hits: number; misses: number } {
  return counts.reduce((total, count) => ({ hits: total.hits + count.hits, misses: total.misses + count.misses }), { hits: 0, misses: 0 });
}
