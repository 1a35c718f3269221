import { OptionError, rejectUnknownKeys, requireObject, requireString } from '@k2k/common';
import type { EndpointGrant, EndpointPolicyOption } from '@k2k/k2k-forward';
import { normalizeInterface } from '@k2k/keystone';
import type { VirtualRegion } from './virtual-regions.js';

/** A grant's keys in the config file, and k2kForward's name for each. */
const GRANT_KEYS = {
  projects: 'projects',
  domains: 'domains',
  roles: 'roles',
  service_providers: 'serviceProviders',
  service_types: 'serviceTypes',
  interfaces: 'interfaces',
  regions: 'regions',
} as const;

/**
 * `endpoint_policy` (DESIGN.md "Endpoint policy"): `open` (default), `catalog`, or
 * `{rules: [{projects, domains, roles, service_providers, service_types, interfaces, regions}]}`,
 * each key a list; errors name the config key.
 */
export function parseEndpointPolicyConfig(value: unknown): EndpointPolicyOption {
  if (value === undefined || value === 'open' || value === 'catalog') return value ?? 'open';
  if (typeof value === 'string') throw new OptionError('endpoint_policy', `must be open, catalog or {rules: [...]}, got ${JSON.stringify(value)}`);
  const policy = requireObject(value, 'endpoint_policy');
  rejectUnknownKeys(policy, ['rules'], 'endpoint_policy');
  if (!Array.isArray(policy.rules)) throw new OptionError('endpoint_policy.rules', 'must be a list of grants, e.g. [{projects: [demo], service_providers: [sp1]}]');
  return { rules: policy.rules.map((rule, i) => parseGrant(rule, `endpoint_policy.rules[${i}]`)) };
}

/**
 * The names of the virtual regions that stand for each service provider's default endpoints (no
 * `region` of their own): what the policy checks for a request routed there without a pin. A
 * pinned mount checks its own virtual region's name; a service provider with no such region: its id.
 */
export function virtualRegionNames(regions: readonly VirtualRegion[]): Record<string, string[]> {
  const names: Record<string, string[]> = {};
  for (const region of regions) if (region.token === 'k2k' && region.region === undefined) (names[region.serviceProvider] ??= []).push(region.name);
  return names;
}

function parseGrant(value: unknown, key: string): EndpointGrant {
  const grant = requireObject(value, key);
  rejectUnknownKeys(grant, Object.keys(GRANT_KEYS), key);
  const parsed: EndpointGrant = {};
  for (const [configKey, optionKey] of Object.entries(GRANT_KEYS)) {
    if (grant[configKey] === undefined) continue;
    const list = grant[configKey];
    if (!Array.isArray(list) || list.length === 0) throw new OptionError(`${key}.${configKey}`, 'must be a non-empty list');
    parsed[optionKey] = list.map((item, i) => requireString(item, `${key}.${configKey}[${i}]`));
  }
  parsed.interfaces?.forEach((text, i) => {
    if (!normalizeInterface(text)) throw new OptionError(`${key}.interfaces[${i}]`, `must be public, internal or admin, got ${JSON.stringify(text)}`);
  });
  return parsed;
}
