import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Logger as PinoLogger } from 'pino';
import { k2kForward, type K2KForwardMiddleware, type MountPin } from '@k2k/k2k-forward';
import { globalRequestIdOf, requestIdOf } from '@k2k/common';
import { keystoneAuth, type KeystoneCallEvent } from '@k2k/keystone-auth';
import { createStore, type Store } from '@k2k/store';
import type { GatewayConfig } from '../config/config.js';
import { virtualRegionNames } from '../config/endpoint-policy-config.js';
import { errorsAsOpenStack, notFound } from './gateway-errors.js';
import { GatewayMetrics } from './metrics.js';
import { originFormOnly } from './origin-form.js';
import { mountDispatch, MountPaths } from './mount-dispatch.js';
import { pathOf } from './request-path.js';
import { ownEndpoints } from './own-endpoints.js';
import { regionsDocument } from '../regions/regions-document.js';
import { authenticateUnlessVersionDiscovery, mountVersion, versionDocumentWhenNone } from '../regions/version-discovery.js';
import type { VirtualRegion } from '../config/virtual-regions.js';

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
  const { routing, keystone, upstream } = config;
  const regionNames = virtualRegionNames(virtualRegions);
  // No identity headers: the services behind validate tokens themselves, and k2kForward forwards none.
  const auth = keystoneAuth({
    authUrl: keystone.authUrl,
    serviceAuth: keystone.serviceAuth,
    store,
    logger,
    timeoutMs: keystone.timeoutMs,
    ...config.authTunables,
    ...(keystone.wwwAuthenticateUri && { wwwAuthenticateUri: keystone.wwwAuthenticateUri }),
    ...(keystone.requiredRoles && { requiredRoles: keystone.requiredRoles }),
    ...(config.ca && { ca: config.ca }),
    identityHeaders: false,
  });
  const forwardTo = (mount: string, serviceType: string, pin?: MountPin) =>
    k2kForward({
      serviceType,
      ...(config.serviceApis[serviceType] && { api: config.serviceApis[serviceType] }),
      authUrl: keystone.authUrl,
      store,
      local: config.local.endpoints[serviceType],
      ...(config.publicUrl && { publicUrl: `${config.publicUrl}${mount}` }),
      localName: config.local.name,
      interface: keystone.interface,
      // A virtual region's own region takes the place of keystone.region_name (k2kForward refuses the two when they differ).
      ...(keystone.regionName !== undefined && pin?.region === undefined && { region: keystone.regionName }),
      timeoutMs: upstream.timeoutMs,
      keystoneTimeoutMs: upstream.keystoneTimeoutMs,
      ...(config.ca && { ca: config.ca }),
      ...(upstream.proxyId !== undefined && { proxyId: upstream.proxyId }),
      ...(config.serviceProviders !== 'auto' && { serviceProviders: config.serviceProviders }),
      endpointPolicy: config.endpointPolicy,
      virtualRegionNames: regionNames,
      logger,
      ...config.forwardTunables,
      search: routing.searchByBroadcast,
      ...(routing.resourceTypes[serviceType] && { resourceTypes: routing.resourceTypes[serviceType] }),
      ...(routing.probeTimeoutMs !== undefined && { probeTimeoutMs: routing.probeTimeoutMs }),
      aggregate: routing.aggregation,
      ...(routing.aggregateResourceTypes[serviceType] && { aggregateResourceTypes: routing.aggregateResourceTypes[serviceType] }),
      // Project sync's link tags say which SP project stands for which IdP project.
      ...(config.sync && { projectLinkTag: config.sync.spTag }),
      placement: routing.placement,
      sharedStorage: routing.sharedStorage,
      targetMetadata: config.regionMetadata,
      ...(pin && { pin }),
      identity: Object.fromEntries(Object.entries(config.serviceProviderSettings).map(([sp, settings]) => [sp, settings.identity])),
      ...(config.reseller && { reseller: { secret: config.reseller.secret, projectDomain: config.reseller.projectDomainName } }),
    });
  // Mounts are tried in order: /<region>/volume before /volume.
  const forwards = new Map<string, K2KForwardMiddleware>();
  /** Each mount's version document, for when its service has none at its root */
  const versionDocuments = new Map<string, ReturnType<typeof versionDocumentWhenNone>>();
  const mountAt = (mount: string, serviceType: string, pin?: MountPin) => {
    forwards.set(mount, forwardTo(mount, serviceType, pin));
    const version = mountVersion(config.serviceApis[serviceType] ?? serviceType, config.local.endpoints[serviceType]);
    if (version) versionDocuments.set(mount, versionDocumentWhenNone(version, config.publicUrl ? new URL(`${config.publicUrl}${mount}`) : undefined));
  };
  for (const region of virtualRegions) {
    for (const [mount, serviceType] of Object.entries(config.mounts)) mountAt(`/${region.name}${mount}`, serviceType, pinOf(region));
  }
  for (const [mount, serviceType] of Object.entries(config.mounts)) mountAt(mount, serviceType);
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
  const logRequests = requestLog(logger, metrics, new MountPaths([...forwards.keys()]));

  const app = express();
  app.disable('x-powered-by');
  // Each request passes these two layers (a few steps each) before its mount's k2kForward.
  app.use(inSequence(logRequests, originFormOnly, ...(config.adminListen ? [] : [own as Middleware])));
  // Authentication per mount: a path nothing serves is a 404 without a word to Keystone.
  const authenticate = authenticateUnlessVersionDiscovery(auth);
  // Discovery: what the unpinned mounts' routing offers the caller (virtual regions pin one each).
  const regions = regionsDocument({
    mounts: Object.keys(config.mounts).map((path) => ({ path, forward: forwards.get(path) as K2KForwardMiddleware })),
    virtualRegions: virtualRegions.map((region) => ({ name: region.name, target: region.serviceProvider })),
    placement: routing.placement,
    store,
  });
  const regionsAtRoot: Middleware = (req, res, next) => (pathOf(req.url ?? '/') === '/' ? void regions(req as express.Request, res as express.Response) : next());
  app.use(
    mountDispatch([
      ['/k2k/v1/regions', inSequence(auth, regionsAtRoot)],
      ...[...forwards].map(([mount, forward]) => {
        const versionDocument = versionDocuments.get(mount);
        return [mount, inSequence(authenticate, ...(versionDocument ? [versionDocument] : []), forward)] as const;
      }),
    ]),
  );
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

/** A mount's middlewares (authentication, k2kForward...) one after the other as one router layer: every request of the mount runs them all. */
function inSequence(...handlers: Middleware[]): Middleware {
  return function mountSequence(req, res, next) {
    let at = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined || at === handlers.length) return next(error);
      handlers[at++](req, res, step);
    };
    step();
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
  if (store.backend === 'memory') return createStore({ backend: 'memory', ...security, maxEntries: store.maxEntries });
  const { servers, insecurePlaintext, timeoutMs, deadServerRetryMs, poolSize, idleMs } = store;
  // with insecure_plaintext, the store warns through the logger when it is created
  const memcached = { servers, ...security, insecurePlaintext, logger, timeoutMs, deadServerRetryMs, poolSize, idleMs };
  if (store.backend === 'memcached') return createStore({ backend: 'memcached', ...memcached });
  return createStore({ backend: 'tiered', ...memcached, l1MaxEntries: store.l1MaxEntries, l1TtlSeconds: store.l1TtlSeconds });
}

/** The gateway's own endpoints: scrapes and health checks are neither counted nor logged as requests. */
const OWN_PATHS = new Set(['/metrics', '/healthz']);

/**
 * One log line and one metric sample per answered request: request id (and the caller's global
 * one), user, project, service provider, status, duration. Never a header value, so never a token.
 */
function requestLog(logger: PinoLogger, metrics: GatewayMetrics, mounts: MountPaths) {
  return function logRequest(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const requestId = requestIdOf(req, res); // every answer carries one, the gateway's own included
    const path = pathOf(req.url ?? '/');
    if (OWN_PATHS.has(path)) return next();
    const started = process.hrtime.bigint();
    const mount = mounts.mountOf(path) ?? 'none';
    const globalRequestId = globalRequestIdOf(req);
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
