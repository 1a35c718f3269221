import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { caOption, OptionError } from '@k2k/common';
import type { EndpointPolicyOption, PlacementPolicyName, TargetMetadata } from '@k2k/k2k-forward';
import { checkAgainstSchema } from './config-errors.js';
import { checkRules } from './config-rules.js';
import { ConfigFileSchema, type ConfigFile } from './config-schema.js';
import { endpointPolicyOf } from './endpoint-policy-config.js';
import { AUTH_KEYS, FORWARD_KEYS, tunablesOf, type AuthTunables, type ForwardTunables } from './package-tunables.js';
import { keystoneLoginOf, resellerOf, serviceProviderSettingsOf, type KeystoneLogin, type ResellerConfig, type ServiceProviderSettings } from './provider-settings.js';
import { syncConfigOf, type SyncConfig } from './sync-config.js';
import { virtualRegionsOf, type VirtualRegion } from './virtual-regions.js';

export type { ApplicationCredentialAuth, KeystoneLogin, PasswordAuth } from './provider-settings.js';

/** The gateway's configuration (DESIGN.md "Gateway configuration"), validated, in camelCase. */
export interface GatewayConfig {
  listen: ListenConfig;
  /** A second listener for /healthz and /metrics only; when set, the public one does not serve them */
  adminListen: { host: string; port: number } | undefined;
  drain: DrainConfig;
  workers: number;
  keystone: KeystoneConfig;
  /** The CAs trusted for https to Keystone and the services (tls.ca_file's certificates); undefined: Node's default CAs */
  ca: string[] | undefined;
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
  /** Mounted service type of the operator's own -> the official type whose API it serves */
  serviceApis: Record<string, string>;
  /** Mounted service type -> the catalog types `catalog register` registers its virtual-region endpoints under (default: the mounted type) */
  catalogTypes: Record<string, string[]>;
  /** Every mount again below `/<name>`, pinned: 'auto' (one per SP the IdP lists, found at start) or these */
  virtualRegions: 'auto' | VirtualRegion[];
  /** The URL clients reach the gateway at (no trailing slash), the base of the links in answers; undefined: each request's scheme and Host */
  publicUrl: string | undefined;
  upstream: UpstreamConfig;
  store: StoreConfig;
  routing: RoutingConfig;
  /** The k2kForward tunables under `upstream` and `routing` that carry k2kForward's own name (package-tunables.ts) */
  forwardTunables: ForwardTunables;
  /** The keystoneAuth tunables under `keystone` that carry keystoneAuth's own name (package-tunables.ts) */
  authTunables: AuthTunables;
  /** The operator's metadata per target (the local cloud's name or an SP id): cost, sla, location, labels */
  regionMetadata: Record<string, TargetMetadata>;
  /** Who may reach which service provider's services (k2kForward's endpointPolicy) */
  endpointPolicy: EndpointPolicyOption;
  logLevel: ConfigFile['log_level'];
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

/** The local Keystone (the IdP), and keystoneAuth's and k2kForward's options that concern it and the SPs' catalogs. */
export interface KeystoneConfig {
  authUrl: string;
  /** The gateway's service user, which validates tokens */
  serviceAuth: KeystoneLogin;
  /** What `k2k-gateway catalog` logs in with (undefined: serviceAuth); the gateway itself never uses it */
  adminAuth: KeystoneLogin | undefined;
  /** keystoneAuth: each call validating a token or logging the service user in */
  timeoutMs: number;
  /** Sent in WWW-Authenticate on a 401; undefined: authUrl */
  wwwAuthenticateUri: string | undefined;
  requiredRoles: { anyOf: string[]; allOf: string[] } | undefined;
  /** k2kForward: the SPs' endpoints in this region; undefined: the first with the service */
  regionName: string | undefined;
  /** k2kForward: the SPs' endpoint interface when ENDPOINT-TYPE is absent */
  interface: string;
}

/** Forwarding (k2kForward): how long an upstream may stay silent, each Keystone call of a K2K exchange (ms), the proxy's name (the rest: forwardTunables). */
export interface UpstreamConfig {
  timeoutMs: number;
  keystoneTimeoutMs: number;
  /** This gateway's name in MM-PROXY-LIST; undefined: the host name */
  proxyId: string | undefined;
}

/** The store's options (@k2k/store's createStore) as the config gives them; the secret is `secretKey`. */
export type StoreConfig = { secretKey?: string; securityStrategy: 'MAC' | 'ENCRYPT' } & (
  | { backend: 'memory'; maxEntries: number }
  | ({ backend: 'memcached' } & MemcachedConfig)
  | ({ backend: 'tiered'; l1MaxEntries: number; l1TtlSeconds: number } & MemcachedConfig)
);

export interface MemcachedConfig {
  servers: string[];
  insecurePlaintext: boolean;
  timeoutMs: number;
  deadServerRetryMs: number;
  poolSize: number;
  idleMs: number;
}

/** Routing rules 3-5 (DESIGN.md) and their bounds (the rest: forwardTunables). */
export interface RoutingConfig {
  searchByBroadcast: boolean;
  aggregation: boolean;
  /** Per mounted service type: the resource types learned and searched; absent: OpenStack's */
  resourceTypes: Record<string, string[]>;
  /** Per mounted service type: the resource types whose lists are merged; absent: OpenStack's */
  aggregateResourceTypes: Record<string, string[]>;
  probeTimeoutMs: number | undefined;
  /** Where a create that names no cloud goes */
  placement: PlacementPolicyName;
  /** Cloud pairs that share storage (local.name or SP ids) */
  sharedStorage: [string, string][];
}

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

/** Validates a config (the file's keys, snake_case): the schema with its defaults, then the rules between keys; throws an OptionError naming the key. */
export function parseConfig(raw: unknown): GatewayConfig {
  const file: unknown = Value.Default(ConfigFileSchema, Value.Clone(raw));
  checkAgainstSchema(ConfigFileSchema, file);
  checkRules(file as ConfigFile);
  return gatewayConfigOf(file as ConfigFile);
}

function gatewayConfigOf(file: ConfigFile): GatewayConfig {
  const { listen, admin_listen: adminListen, drain, upstream, keystone, local, routing } = file;
  return {
    listen: {
      host: listen.host,
      port: listen.port,
      requestTimeoutSeconds: listen.request_timeout_seconds,
      headersTimeoutSeconds: listen.headers_timeout_seconds,
      keepAliveTimeoutSeconds: listen.keep_alive_timeout_seconds,
    },
    adminListen: adminListen && { host: adminListen.host, port: adminListen.port },
    drain: { graceSeconds: drain.grace_seconds, timeoutSeconds: drain.timeout_seconds },
    workers: file.workers,
    keystone: {
      authUrl: withoutTrailingSlash(keystone.auth_url),
      serviceAuth: keystoneLoginOf(keystone.service_auth),
      adminAuth: keystone.admin_auth && keystoneLoginOf(keystone.admin_auth),
      timeoutMs: keystone.timeout_seconds * 1000,
      wwwAuthenticateUri: keystone.www_authenticate_uri,
      requiredRoles: keystone.required_roles && { anyOf: keystone.required_roles.any_of ?? [], allOf: keystone.required_roles.all_of ?? [] },
      regionName: keystone.region_name,
      interface: keystone.interface,
    },
    ca: file.tls.ca_file === undefined ? undefined : caFile(file.tls.ca_file),
    local: { name: local.name, endpoints: local.endpoints },
    serviceProviders: file.service_providers,
    serviceProviderSettings: serviceProviderSettingsOf(file),
    reseller: resellerOf(file),
    sync: syncConfigOf(file.sync),
    mounts: file.mounts,
    serviceApis: file.service_apis,
    catalogTypes: file.catalog_types,
    virtualRegions: virtualRegionsOf(file),
    publicUrl: file.public_url === undefined ? undefined : withoutTrailingSlash(file.public_url),
    upstream: {
      timeoutMs: upstream.timeout_seconds * 1000,
      keystoneTimeoutMs: upstream.keystone_timeout_seconds * 1000,
      proxyId: upstream.proxy_id,
    },
    store: storeConfigOf(file.store),
    routing: {
      searchByBroadcast: routing.search_by_broadcast,
      aggregation: routing.aggregation,
      resourceTypes: routing.resource_types,
      aggregateResourceTypes: routing.aggregated_resource_types,
      probeTimeoutMs: routing.probe_timeout_ms,
      placement: routing.placement,
      sharedStorage: routing.shared_storage.map(([a, b]) => [a, b]),
    },
    forwardTunables: tunablesOf(file, FORWARD_KEYS) as ForwardTunables,
    authTunables: tunablesOf(file, AUTH_KEYS) as AuthTunables,
    regionMetadata: file.region_metadata,
    endpointPolicy: endpointPolicyOf(file),
    logLevel: file.log_level,
  };
}

function storeConfigOf(store: ConfigFile['store']): StoreConfig {
  const security = { secretKey: store.secret_key, securityStrategy: store.security_strategy };
  if (store.backend === 'memory') return { backend: 'memory', ...security, maxEntries: store.max_entries };
  const memcached = {
    servers: store.servers,
    insecurePlaintext: store.insecure_plaintext,
    timeoutMs: store.timeout_ms,
    deadServerRetryMs: store.dead_server_retry_ms,
    poolSize: store.pool_size,
    idleMs: store.idle_ms,
  };
  if (store.backend === 'memcached') return { backend: 'memcached', ...security, ...memcached };
  return { backend: 'tiered', ...security, ...memcached, l1MaxEntries: store.l1_max_entries, l1TtlSeconds: store.l1_ttl_seconds };
}

/** tls.ca_file's certificates, read now: an unreadable or certificate-less file is a config error. */
function caFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OptionError('tls.ca_file', `cannot read ${path}: ${(error as Error).message}`);
  }
  return caOption(text, 'tls.ca_file');
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
