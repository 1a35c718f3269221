import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { OptionError, rejectUnknownKeys, requireBoolean, requireInteger, requireObject, requireOneOf, requireString, withDefault } from '@k2k/store';

/** The gateway's configuration (DESIGN.md "Gateway configuration"), validated, in camelCase. */
export interface GatewayConfig {
  listen: { host: string; port: number };
  workers: number;
  keystone: {
    authUrl: string;
    serviceAuth: { username: string; password: string; userDomainName: string; projectName: string; projectDomainName: string };
  };
  local: { name: string; endpoints: Record<string, string> };
  /** 'auto': every SP the IdP offers; else only these */
  serviceProviders: 'auto' | string[];
  /** Mount path -> service type */
  mounts: Record<string, string>;
  store:
    | { backend: 'memory'; secretKey?: string; securityStrategy: 'MAC' | 'ENCRYPT' }
    | { backend: 'memcached' | 'tiered'; servers: string[]; secretKey?: string; securityStrategy: 'MAC' | 'ENCRYPT' };
  routing: { learn: boolean; searchByBroadcast: boolean; aggregation: boolean };
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

const TOP = ['listen', 'workers', 'keystone', 'local', 'service_providers', 'mounts', 'store', 'routing', 'log_level'];
const RESERVED_PATHS = ['/healthz', '/metrics'];

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

  const listen = requireObject(withDefault(config.listen, {}), 'listen');
  rejectUnknownKeys(listen, ['host', 'port'], 'listen');

  const keystone = requireObject(config.keystone, 'keystone');
  rejectUnknownKeys(keystone, ['auth_url', 'service_auth'], 'keystone');
  const serviceAuth = requireObject(keystone.service_auth, 'keystone.service_auth');
  rejectUnknownKeys(serviceAuth, ['username', 'password', 'user_domain_name', 'project_name', 'project_domain_name'], 'keystone.service_auth');

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

  const workers = requireInteger(withDefault(config.workers, 1), 'workers', 1, 64);
  const store = parseStore(withDefault(config.store, { backend: 'memory' }));
  if (workers > 1 && store.backend === 'memory') throw new OptionError('store.backend', `the memory store is per process: with ${workers} workers use memcached (or set workers: 1)`);

  const routing = requireObject(withDefault(config.routing, {}), 'routing');
  rejectUnknownKeys(routing, ['learn', 'search_by_broadcast', 'aggregation'], 'routing');

  return {
    listen: { host: requireString(withDefault(listen.host, '127.0.0.1'), 'listen.host'), port: requireInteger(withDefault(listen.port, 5001), 'listen.port', 0, 65535) },
    workers,
    keystone: {
      authUrl: requireString(keystone.auth_url, 'keystone.auth_url'),
      serviceAuth: {
        username: requireString(serviceAuth.username, 'keystone.service_auth.username'),
        password: requireString(serviceAuth.password, 'keystone.service_auth.password'),
        userDomainName: requireString(withDefault(serviceAuth.user_domain_name, 'Default'), 'keystone.service_auth.user_domain_name'),
        projectName: requireString(serviceAuth.project_name, 'keystone.service_auth.project_name'),
        projectDomainName: requireString(withDefault(serviceAuth.project_domain_name, 'Default'), 'keystone.service_auth.project_domain_name'),
      },
    },
    local: { name: requireString(withDefault(local.name, 'default'), 'local.name'), endpoints: endpoints as Record<string, string> },
    serviceProviders: parseServiceProviders(withDefault(config.service_providers, 'auto')),
    mounts: mounts as Record<string, string>,
    store,
    routing: {
      learn: requireBoolean(withDefault(routing.learn, false), 'routing.learn'),
      searchByBroadcast: requireBoolean(withDefault(routing.search_by_broadcast, false), 'routing.search_by_broadcast'),
      aggregation: requireBoolean(withDefault(routing.aggregation, false), 'routing.aggregation'),
    },
    logLevel: requireOneOf(withDefault(config.log_level, 'info'), 'log_level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const),
  };
}

function parseServiceProviders(value: unknown): 'auto' | string[] {
  if (value === 'auto') return 'auto';
  if (!Array.isArray(value) || value.length === 0) throw new OptionError('service_providers', 'must be auto or a list of service provider ids');
  return value.map((id, i) => requireString(id, `service_providers[${i}]`));
}

function parseStore(value: unknown): GatewayConfig['store'] {
  const store = requireObject(value, 'store');
  rejectUnknownKeys(store, ['backend', 'servers', 'secret_key', 'security_strategy'], 'store');
  const backend = requireOneOf(withDefault(store.backend, 'memory'), 'store.backend', ['memory', 'memcached', 'tiered'] as const);
  const secretKey = store.secret_key === undefined ? undefined : requireString(store.secret_key, 'store.secret_key');
  const securityStrategy = requireOneOf(withDefault(store.security_strategy, 'ENCRYPT'), 'store.security_strategy', ['MAC', 'ENCRYPT'] as const);
  if (backend === 'memory') return { backend, secretKey, securityStrategy };
  if (!Array.isArray(store.servers) || store.servers.length === 0) throw new OptionError('store.servers', 'must list the memcached servers, e.g. ["127.0.0.1:11211"]');
  return { backend, servers: store.servers.map((server, i) => requireString(server, `store.servers[${i}]`)), secretKey, securityStrategy };
}
