import { OptionError } from '@k2k/common';
import { isKnownServiceType } from '@k2k/keystone';
import type { ConfigFile } from './config-schema.js';
import { checkLogin, checkServiceProviderSettings } from './provider-settings.js';
import { checkSync } from './sync-config.js';
import { checkVirtualRegions } from './virtual-regions.js';

const RESERVED_PATHS = ['/healthz', '/metrics'];

/**
 * The rules of a config that its schema cannot say, checked once it passed the schema: between
 * keys (a mount needs its endpoint, several workers a shared store...), and what a value must be
 * beyond its shape (a URL Keystone's). Each throws an OptionError naming the key.
 */
export function checkRules(file: ConfigFile): void {
  checkListeners(file);
  checkMounts(file);
  checkServiceProviderSettings(file);
  checkVirtualRegions(file);
  checkStore(file);
  checkRouting(file);
  checkServiceApis(file);
  checkCatalogTypes(file);
  checkKeystone(file);
  checkSync(file.sync);
  if (file.public_url !== undefined) checkPublicUrl(file.public_url);
}

function checkListeners({ listen, admin_listen: admin }: ConfigFile): void {
  if (listen.request_timeout_seconds > 0 && listen.headers_timeout_seconds > listen.request_timeout_seconds) {
    throw new OptionError('listen.headers_timeout_seconds', `must not exceed listen.request_timeout_seconds (${listen.request_timeout_seconds}): the headers are part of the request`);
  }
  if (admin && admin.port !== 0 && admin.port === listen.port) throw new OptionError('admin_listen.port', `must differ from listen.port (${listen.port})`);
}

function checkMounts({ mounts, local }: ConfigFile): void {
  for (const [path, type] of Object.entries(mounts)) {
    if (!/^\/[\w\-./]*$/.test(path) || path.endsWith('/')) throw new OptionError(`mounts.${path}`, 'a mount path starts with "/" and does not end with one, e.g. /volume');
    if (RESERVED_PATHS.includes(path)) throw new OptionError(`mounts.${path}`, `${path} is the gateway's own`);
    if (!(type in local.endpoints)) throw new OptionError(`mounts.${path}`, `local.endpoints has no ${type} endpoint for it`);
  }
}

function checkStore({ store, workers }: ConfigFile): void {
  if (store.backend === 'memory') {
    if (workers > 1) throw new OptionError('store.backend', `the memory store is per process: with ${workers} workers use memcached (or set workers: 1)`);
    return;
  }
  // memcached is reachable by other hosts: without a secret it would hold usable tokens in the clear.
  if (store.insecure_plaintext && store.secret_key !== undefined) throw new OptionError('store.insecure_plaintext', 'cannot be used with store.secret_key: drop one of them');
  if (!store.insecure_plaintext && store.secret_key === undefined) {
    throw new OptionError(
      'store.secret_key',
      `required for the ${store.backend} backend (at least 16 characters, the same on every gateway host), so cached tokens are not stored in the clear; ` +
        'or set store.insecure_plaintext: true to accept that risk',
    );
  }
}

function checkServiceApis({ service_apis: apis, mounts }: ConfigFile): void {
  const served = Object.values(mounts);
  for (const [type, api] of Object.entries(apis)) {
    const key = `service_apis.${type}`;
    if (!served.includes(type)) throw new OptionError(key, `no mount serves ${type} (mounted: ${served.join(', ')})`);
    if (isKnownServiceType(type)) throw new OptionError(key, `${type} is an official service type (or alias): its API is its own`);
    if (!isKnownServiceType(api)) throw new OptionError(key, `must be an official service type such as block-storage, image, compute or network, got ${JSON.stringify(api)}`);
  }
}

/** Each key a mounted type; no catalog type registered for two mounts (a region would list two endpoints of one service). */
function checkCatalogTypes({ catalog_types: catalogTypes, mounts }: ConfigFile): void {
  const served = Object.values(mounts);
  const registeredFor = new Map<string, string>();
  for (const type of served) {
    for (const [i, catalogType] of (catalogTypes[type] ?? [type]).entries()) {
      const key = type in catalogTypes ? `catalog_types.${type}[${i}]` : 'catalog_types';
      const other = registeredFor.get(catalogType);
      if (other !== undefined && other !== type) throw new OptionError(key, `${catalogType} is registered for both ${other} and ${type}: a virtual region can list one endpoint of it`);
      registeredFor.set(catalogType, type);
    }
  }
  for (const type of Object.keys(catalogTypes)) {
    if (!served.includes(type)) throw new OptionError(`catalog_types.${type}`, `no mount serves ${type} (mounted: ${served.join(', ')})`);
  }
}

function checkRouting({ routing, upstream, mounts, local, service_providers: serviceProviders }: ConfigFile): void {
  const served = Object.values(mounts);
  for (const key of ['resource_types', 'aggregated_resource_types'] as const) {
    for (const type of Object.keys(routing[key])) {
      if (!served.includes(type)) throw new OptionError(`routing.${key}.${type}`, `no mount serves ${type} (mounted: ${served.join(', ')})`);
    }
  }
  routing.shared_storage.forEach((pair, i) => {
    pair.forEach((cloud, j) => {
      if (cloud !== local.name && serviceProviders !== 'auto' && !serviceProviders.includes(cloud)) {
        throw new OptionError(`routing.shared_storage[${i}][${j}]`, `"${cloud}" is neither local.name ("${local.name}") nor in service_providers (${serviceProviders.join(', ')})`);
      }
    });
    if (pair[0] === pair[1]) throw new OptionError(`routing.shared_storage[${i}]`, `names ${pair[0]} twice: a pair is two clouds`);
  });
  const upstreamMs = upstream.timeout_seconds * 1000;
  if (routing.probe_timeout_ms !== undefined && routing.probe_timeout_ms > upstreamMs) {
    throw new OptionError('routing.probe_timeout_ms', `must not exceed upstream.timeout_seconds (${upstreamMs} ms)`);
  }
}

/** keystoneAuth's rules for the URL, checked here so a bad one is a config error (exit 2), not a worker that cannot start. */
function checkKeystone({ keystone }: ConfigFile): void {
  const url = httpUrl(keystone.auth_url, 'keystone.auth_url', 'must be a URL');
  if (!url.pathname.replace(/\/+$/, '').endsWith('/v3')) throw new OptionError('keystone.auth_url', `must be Keystone's v3 URL ending in /v3, e.g. ${url.origin}/v3`);
  checkLogin(keystone.service_auth, 'keystone.service_auth');
  if (keystone.admin_auth) checkLogin(keystone.admin_auth, 'keystone.admin_auth');
}

/** Each mount's links are it plus the mount path: a plain http(s) URL. */
function checkPublicUrl(text: string): void {
  const url = httpUrl(text, 'public_url', 'must be the URL clients reach the gateway at, e.g. https://gw.example.com');
  if (url.username || url.password || url.search || url.hash) throw new OptionError('public_url', 'must be a plain URL: no user, query or fragment');
}

function httpUrl(text: string, key: string, notAUrl: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OptionError(key, `${notAUrl}, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OptionError(key, 'must be an http or https URL');
  return url;
}
