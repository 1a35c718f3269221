import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { OptionError, rejectUnknownKeys, requireBoolean, requireInteger, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';
import { parseKeystoneLogin, parseReseller, parseServiceProviderSettings, type KeystoneLogin, type ResellerConfig, type ServiceProviderSettings } from './provider-settings.js';
import { parseSync, type SyncConfig } from './sync-config.js';
import { parseTargetMetadata, PLACEMENT_POLICIES, type EndpointPolicyOption, type PlacementPolicyName, type TargetMetadata } from '@k2k/k2k-forward';
import { parseEndpointPolicyConfig } from './endpoint-policy-config.js';
import { parseVirtualRegions, type VirtualRegion } from './virtual-regions.js';

export type { ApplicationCredentialAuth, KeystoneLogin, PasswordAuth } from './provider-settings.js';

/** The gateway's configuration (DESIGN.md "Gateway configuration"), validated, in camelCase. */
export interface GatewayConfig {
  listen: ListenConfig;
  /** A second listener for /healthz and /metrics only; when set, the public one does not serve them */
  adminListen: { host: string; port: number } | undefined;
  drain: DrainConfig;
  workers: number;
  keystone: {
    authUrl: string;
    /** The gateway's service user, which validates tokens */
    serviceAuth: KeystoneLogin;
    /** What `k2k-gateway catalog` logs in with (undefined: serviceAuth); the gateway itself never uses it */
    adminAuth: KeystoneLogin | undefined;
  };
  local: { name: string; endpoints: Record<string, string> };
  /** 'auto': every SP the IdP offers; else only these */
  serviceProviders: 'auto' | string[];
  /** Per SP id: identity (user or reseller), the admin sync acts with, the domain and grant of mirrored projects */
  serviceProviderSettings: Record<string, ServiceProviderSettings>;
  /** The pseudonyms' key and domain; set when an SP has identity reseller */
  reseller: ResellerConfig | undefined;
  /** `k2k-gateway sync` (project sync); undefined: not configured */
  sync: SyncConfig | undefined;
  /** Mount path -> service type */
  mounts: Record<string, string>;
  /** Every mount again below `/<name>`, pinned: 'auto' (one per SP the IdP lists, found at start) or these */
  virtualRegions: 'auto' | VirtualRegion[];
  /** The URL clients reach the gateway at (no trailing slash), the base of the links in answers; undefined: each request's scheme and Host */
  publicUrl: string | undefined;
  /** Forwarding: how long an upstream may stay silent, and each Keystone call of a K2K exchange (ms) */
  upstream: { timeoutMs: number; keystoneTimeoutMs: number };
  store:
    | { backend: 'memory'; secretKey?: string; securityStrategy: 'MAC' | 'ENCRYPT' }
    | { backend: 'memcached' | 'tiered'; servers: string[]; secretKey?: string; securityStrategy: 'MAC' | 'ENCRYPT'; insecurePlaintext: boolean };
  routing: RoutingConfig;
  /** The operator's metadata per target (the local cloud's name or an SP id): cost, sla, location, labels */
  regionMetadata: Record<string, TargetMetadata>;
  /** Who may reach which service provider's services (k2kForward's endpointPolicy) */
  endpointPolicy: EndpointPolicyOption;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

export interface ListenConfig {
  host: string;
  port: number;
  /** Longest a whole request (body included) may take; 0: no limit, so slow uploads are not cut */
  requestTimeoutSeconds: number;
  /** Longest a client may take to send its request headers (what stops slowloris clients) */
  headersTimeoutSeconds: number;
  /** An idle keep-alive connection is closed after this long */
  keepAliveTimeoutSeconds: number;
}

/** What a stop signal does: /healthz answers 503 for `graceSeconds` while requests are still served, then the listener closes and in-flight requests get `timeoutSeconds` */
export interface DrainConfig {
  graceSeconds: number;
  timeoutSeconds: number;
}

const TOP = ['listen', 'admin_listen', 'drain', 'workers', 'keystone', 'local', 'service_providers', 'mounts', 'virtual_regions', 'public_url', 'upstream', 'store', 'routing', 'region_metadata', 'endpoint_policy', 'log_level', 'service_provider_settings', 'reseller', 'sync'];
const RESERVED_PATHS = ['/healthz', '/metrics'];
/** Node's timers overflow past 2^31 ms (about 24.8 days) and then fire at once: keep every duration far below. */
const MAX_SECONDS = 86_400;
const MIN_SECRET_LENGTH = 16;

/** Reads and validates a YAML or JSON config file; throws an OptionError naming the key. */
export function loadConfig(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OptionError('--config', `cannot read ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new OptionError('--config', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseConfig(raw);
}

export function parseConfig(raw: unknown): GatewayConfig {
  const config = requireObject(raw, 'config');
  rejectUnknownKeys(config, TOP, 'config');

  const listen = parseListen(withDefault(config.listen, {}));

  const keystone = requireObject(config.keystone, 'keystone');
  rejectUnknownKeys(keystone, ['auth_url', 'service_auth', 'admin_auth'], 'keystone');

  const local = requireObject(config.local, 'local');
  rejectUnknownKeys(local, ['name', 'endpoints'], 'local');
  const endpoints = requireObject(local.endpoints, 'local.endpoints');
  for (const [type, url] of Object.entries(endpoints)) requireString(url, `local.endpoints.${type}`);

  const mounts = requireObject(config.mounts, 'mounts');
  if (Object.keys(mounts).length === 0) throw new OptionError('mounts', 'must mount at least one service, e.g. {/volume: volumev3}');
  for (const [path, type] of Object.entries(mounts)) {
    if (!/^\/[\w\-./]*$/.test(path) || path.endsWith('/')) throw new OptionError(`mounts.${path}`, 'a mount path starts with "/" and does not end with one, e.g. /volume');
    if (RESERVED_PATHS.includes(path)) throw new OptionError(`mounts.${path}`, `${path} is the gateway's own`);
    if (!(requireString(type, `mounts.${path}`) in endpoints)) throw new OptionError(`mounts.${path}`, `local.endpoints has no ${type} endpoint for it`);
  }

  const localName = requireString(withDefault(local.name, 'default'), 'local.name');
  const serviceProviders = parseServiceProviders(withDefault(config.service_providers, 'auto'));
  const serviceProviderSettings = parseServiceProviderSettings(config.service_provider_settings, serviceProviders);
  const virtualRegions = parseVirtualRegions(config.virtual_regions, { mounts: Object.keys(mounts), localName, serviceProviders });

  const workers = requireInteger(withDefault(config.workers, 1), 'workers', 1, 64);
  const store = parseStore(withDefault(config.store, { backend: 'memory' }));
  if (workers > 1 && store.backend === 'memory') throw new OptionError('store.backend', `the memory store is per process: with ${workers} workers use memcached (or set workers: 1)`);


  const upstream = parseUpstream(withDefault(config.upstream, {}));
  const routing = parseRouting(withDefault(config.routing, {}), Object.values(mounts) as string[]);
  if (routing.probeTimeoutMs !== undefined && routing.probeTimeoutMs > upstream.timeoutMs) {
    throw new OptionError('routing.probe_timeout_ms', `must not exceed upstream.timeout_seconds (${upstream.timeoutMs} ms)`);
  }
  return {
    listen,
    adminListen: config.admin_listen === undefined ? undefined : parseAdminListen(config.admin_listen, listen),
    drain: parseDrain(withDefault(config.drain, {})),
    workers,
    keystone: {
      authUrl: parseAuthUrl(keystone.auth_url),
      serviceAuth: parseKeystoneLogin(keystone.service_auth, 'keystone.service_auth'),
      adminAuth: keystone.admin_auth === undefined ? undefined : parseKeystoneLogin(keystone.admin_auth, 'keystone.admin_auth'),
    },
    local: { name: localName, endpoints: endpoints as Record<string, string> },
    serviceProviders,
    serviceProviderSettings,
    reseller: parseReseller(config.reseller, serviceProviderSettings),
    sync: config.sync === undefined ? undefined : parseSync(config.sync),
    mounts: mounts as Record<string, string>,
    virtualRegions,
    publicUrl: config.public_url === undefined ? undefined : parsePublicUrl(config.public_url),
    upstream,
    store,
    routing,
    regionMetadata: config.region_metadata === undefined ? {} : parseTargetMetadata(config.region_metadata, 'region_metadata'),
    endpointPolicy: parseEndpointPolicyConfig(config.endpoint_policy),
    logLevel: requireOneOf(withDefault(config.log_level, 'info'), 'log_level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const),
  };
}

/** Routing rules 3-5 (DESIGN.md) and their bounds. */
export interface RoutingConfig {
  learn: boolean;
  searchByBroadcast: boolean;
  aggregation: boolean;
  /** Per mounted service type: the resource types learned and searched; absent: OpenStack's */
  resourceTypes: Record<string, string[]>;
  /** Per mounted service type: the resource types whose lists are merged; absent: OpenStack's */
  aggregateResourceTypes: Record<string, string[]>;
  pageLimit: number;
  listBodyLimitBytes: number;
  locationTtlSeconds: number;
  absentTtlSeconds: number;
  probeTimeoutMs: number | undefined;
  maxSearchesPerCaller: number;
  /** Where a create that names no cloud goes */
  placement: PlacementPolicyName;
}

function parseRouting(value: unknown, serviceTypes: string[]): RoutingConfig {
  const routing = requireObject(value, 'routing');
  rejectUnknownKeys(
    routing,
    [
      'learn',
      'search_by_broadcast',
      'aggregation',
      'resource_types',
      'aggregated_resource_types',
      'location_ttl_seconds',
      'absent_ttl_seconds',
      'probe_timeout_ms',
      'max_searches_per_caller',
      'page_limit',
      'list_body_limit_bytes',
      'placement',
    ],
    'routing',
  );
  return {
    learn: requireBoolean(withDefault(routing.learn, true), 'routing.learn'),
    searchByBroadcast: requireBoolean(withDefault(routing.search_by_broadcast, true), 'routing.search_by_broadcast'),
    aggregation: requireBoolean(withDefault(routing.aggregation, true), 'routing.aggregation'),
    resourceTypes: resourceTypesPerService(routing.resource_types, 'routing.resource_types', serviceTypes),
    aggregateResourceTypes: resourceTypesPerService(routing.aggregated_resource_types, 'routing.aggregated_resource_types', serviceTypes),
    pageLimit: requireInteger(withDefault(routing.page_limit, 1000), 'routing.page_limit', 1, 100_000),
    listBodyLimitBytes: requireInteger(withDefault(routing.list_body_limit_bytes, 16_777_216), 'routing.list_body_limit_bytes', 1024),
    locationTtlSeconds: requireInteger(withDefault(routing.location_ttl_seconds, 86_400), 'routing.location_ttl_seconds', 1),
    absentTtlSeconds: requireInteger(withDefault(routing.absent_ttl_seconds, 10), 'routing.absent_ttl_seconds', 0),
    probeTimeoutMs: routing.probe_timeout_ms === undefined ? undefined : requireInteger(routing.probe_timeout_ms, 'routing.probe_timeout_ms', 1),
    maxSearchesPerCaller: requireInteger(withDefault(routing.max_searches_per_caller, 4), 'routing.max_searches_per_caller', 1),
    placement: requireOneOf(withDefault(routing.placement, 'local'), 'routing.placement', PLACEMENT_POLICIES),
  };
}

/** `{service type: [resource types]}`, each service type one that a mount serves. */
function resourceTypesPerService(value: unknown, key: string, serviceTypes: string[]): Record<string, string[]> {
  const perService = requireObject(withDefault(value, {}), key);
  for (const [type, list] of Object.entries(perService)) {
    if (!serviceTypes.includes(type)) throw new OptionError(`${key}.${type}`, `no mount serves ${type} (mounted: ${serviceTypes.join(', ')})`);
    if (!Array.isArray(list)) throw new OptionError(`${key}.${type}`, 'must be a list of resource types, e.g. [volumes, snapshots]');
    list.forEach((item, i) => requireString(item, `${key}.${type}[${i}]`));
  }
  return perService as Record<string, string[]>;
}

function parseUpstream(value: unknown): GatewayConfig['upstream'] {
  const upstream = requireObject(value, 'upstream');
  rejectUnknownKeys(upstream, ['timeout_seconds', 'keystone_timeout_seconds'], 'upstream');
  return {
    timeoutMs: requireInteger(withDefault(upstream.timeout_seconds, 60), 'upstream.timeout_seconds', 1, MAX_SECONDS) * 1000,
    keystoneTimeoutMs: requireInteger(withDefault(upstream.keystone_timeout_seconds, 10), 'upstream.keystone_timeout_seconds', 1, MAX_SECONDS) * 1000,
  };
}

function parseListen(value: unknown): ListenConfig {
  const listen = requireObject(value, 'listen');
  rejectUnknownKeys(listen, ['host', 'port', 'request_timeout_seconds', 'headers_timeout_seconds', 'keep_alive_timeout_seconds'], 'listen');
  const requestTimeoutSeconds = requireInteger(withDefault(listen.request_timeout_seconds, 0), 'listen.request_timeout_seconds', 0, MAX_SECONDS);
  const headersTimeoutSeconds = requireInteger(withDefault(listen.headers_timeout_seconds, 60), 'listen.headers_timeout_seconds', 1, MAX_SECONDS);
  if (requestTimeoutSeconds > 0 && headersTimeoutSeconds > requestTimeoutSeconds) {
    throw new OptionError('listen.headers_timeout_seconds', `must not exceed listen.request_timeout_seconds (${requestTimeoutSeconds}): the headers are part of the request`);
  }
  return {
    host: requireString(withDefault(listen.host, '127.0.0.1'), 'listen.host'),
    port: requireInteger(withDefault(listen.port, 5001), 'listen.port', 0, 65535),
    requestTimeoutSeconds,
    headersTimeoutSeconds,
    keepAliveTimeoutSeconds: requireInteger(withDefault(listen.keep_alive_timeout_seconds, 5), 'listen.keep_alive_timeout_seconds', 1, MAX_SECONDS),
  };
}

function parseAdminListen(value: unknown, listen: ListenConfig): GatewayConfig['adminListen'] {
  const admin = requireObject(value, 'admin_listen');
  rejectUnknownKeys(admin, ['host', 'port'], 'admin_listen');
  const port = requireInteger(admin.port, 'admin_listen.port', 0, 65535);
  if (port !== 0 && port === listen.port) throw new OptionError('admin_listen.port', `must differ from listen.port (${listen.port})`);
  return { host: requireString(withDefault(admin.host, '127.0.0.1'), 'admin_listen.host'), port };
}

function parseDrain(value: unknown): DrainConfig {
  const drain = requireObject(value, 'drain');
  rejectUnknownKeys(drain, ['grace_seconds', 'timeout_seconds'], 'drain');
  return {
    graceSeconds: requireInteger(withDefault(drain.grace_seconds, 5), 'drain.grace_seconds', 0, MAX_SECONDS),
    timeoutSeconds: requireInteger(withDefault(drain.timeout_seconds, 25), 'drain.timeout_seconds', 0, MAX_SECONDS),
  };
}

/** The rules keystoneAuth applies, checked here so a bad URL is a config error (exit 2), not a worker that cannot start. */
function parseAuthUrl(value: unknown): string {
  const text = requireString(value, 'keystone.auth_url').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError('keystone.auth_url', `must be a URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError('keystone.auth_url', 'must be an http or https URL');
  if (!url.pathname.endsWith('/v3')) throw new OptionError('keystone.auth_url', `must be Keystone's v3 URL ending in /v3, e.g. ${url.origin}/v3`);
  return text;
}

/** A plain http(s) URL, without its trailing slash: each mount's links are it plus the mount path. */
function parsePublicUrl(value: unknown): string {
  const text = requireString(value, 'public_url').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError('public_url', `must be the URL clients reach the gateway at, e.g. https://gw.example.com, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError('public_url', 'must be an http or https URL');
  if (url.username || url.password || url.search || url.hash) throw new OptionError('public_url', 'must be a plain URL: no user, query or fragment');
  return text;
}

function parseServiceProviders(value: unknown): 'auto' | string[] {
  if (value === 'auto') return 'auto';
  if (!Array.isArray(value) || value.length === 0) throw new OptionError('service_providers', 'must be auto or a list of service provider ids');
  return value.map((id, i) => requireString(id, `service_providers[${i}]`));
}

function parseStore(value: unknown): GatewayConfig['store'] {
  const store = requireObject(value, 'store');
  rejectUnknownKeys(store, ['backend', 'servers', 'secret_key', 'security_strategy', 'insecure_plaintext'], 'store');
  const backend = requireOneOf(withDefault(store.backend, 'memory'), 'store.backend', ['memory', 'memcached', 'tiered'] as const);
  const secretKey = store.secret_key === undefined ? undefined : requireString(store.secret_key, 'store.secret_key');
  if (secretKey !== undefined && secretKey.length < MIN_SECRET_LENGTH) throw new OptionError('store.secret_key', `must be at least ${MIN_SECRET_LENGTH} characters`);
  const securityStrategy = requireOneOf(withDefault(store.security_strategy, 'ENCRYPT'), 'store.security_strategy', ['MAC', 'ENCRYPT'] as const);
  if (backend === 'memory') {
    if (store.insecure_plaintext !== undefined) throw new OptionError('store.insecure_plaintext', 'only applies to the memcached and tiered backends');
    return { backend, secretKey, securityStrategy };
  }
  if (!Array.isArray(store.servers) || store.servers.length === 0) throw new OptionError('store.servers', 'must list the memcached servers, e.g. ["127.0.0.1:11211"]');
  const servers = store.servers.map((server, i) => requireString(server, `store.servers[${i}]`));
  // memcached is reachable by other hosts: without a secret it would hold usable tokens in the clear.
  const insecurePlaintext = requireBoolean(withDefault(store.insecure_plaintext, false), 'store.insecure_plaintext');
  if (insecurePlaintext && secretKey !== undefined) throw new OptionError('store.insecure_plaintext', 'cannot be used with store.secret_key: drop one of them');
  if (!insecurePlaintext && secretKey === undefined) {
    throw new OptionError(
      'store.secret_key',
      `required for the ${backend} backend (at least ${MIN_SECRET_LENGTH} characters, the same on every gateway host), so cached tokens are not stored in the clear; ` +
        'or set store.insecure_plaintext: true to accept that risk',
    );
  }
  return { backend, servers, secretKey, securityStrategy, insecurePlaintext };
}
