import { OptionError, rejectUnknownKeys, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';

/**
 * A virtual region (DESIGN.md "Virtual regions"): every mount again below `/<name>`, pinned to one
 * service provider (and optionally a project and a region of it); `name` is also the region
 * `k2k-gateway catalog register` puts those mounts in, in the IdP's catalog.
 */
export interface VirtualRegion {
  name: string;
  /** The SP id (token 'k2k'), or the passthrough target's name */
  serviceProvider: string;
  /** The SP's endpoints in this region; for passthrough, the region of the caller's own catalog */
  region?: string;
  project?: { name: string; domain: string };
  token: 'k2k' | 'passthrough';
}

/** What `virtual_regions` is checked against. */
export interface VirtualRegionsContext {
  /** The mount paths (`/volume`): a region's name may not be the first segment of one */
  mounts: string[];
  localName: string;
  /** `service_providers` */
  serviceProviders: 'auto' | string[];
}

/** A path segment that is also a fine Keystone region id. */
const NAME = /^[A-Za-z0-9][\w.-]*$/;
const OWN_PATHS = ['healthz', 'metrics'];

/** `virtual_regions`: absent (none), `auto` (every SP, at start) or a list of `{sp, region?, name?, project_name?, project_domain_name?, token?}`. */
export function parseVirtualRegions(value: unknown, context: VirtualRegionsContext): 'auto' | VirtualRegion[] {
  if (value === undefined) return [];
  if (value === 'auto') return 'auto';
  if (!Array.isArray(value)) throw new OptionError('virtual_regions', 'must be auto or a list of {sp, region, name, project_name, project_domain_name, token}');
  const regions = value.map((item, i) => parseVirtualRegion(item, `virtual_regions[${i}]`, context));
  regions.forEach((region, i) => {
    if (regions.findIndex((other) => other.name === region.name) !== i) throw new OptionError(`virtual_regions[${i}].name`, `"${region.name}" is already the name of another virtual region`);
  });
  return regions;
}

function parseVirtualRegion(value: unknown, key: string, context: VirtualRegionsContext): VirtualRegion {
  const item = requireObject(value, key);
  rejectUnknownKeys(item, ['sp', 'region', 'name', 'project_name', 'project_domain_name', 'token'], key);
  const serviceProvider = requireString(item.sp, `${key}.sp`);
  if (serviceProvider === context.localName) throw new OptionError(`${key}.sp`, `names the local cloud (local.name "${context.localName}"): its mounts already serve it`);
  const region = item.region === undefined ? undefined : requireString(item.region, `${key}.region`);
  const token = requireOneOf(withDefault(item.token, 'k2k'), `${key}.token`, ['k2k', 'passthrough'] as const);
  const name = requireString(withDefault(item.name, region === undefined ? serviceProvider : `${serviceProvider}.${region}`), `${key}.name`);
  checkName(name, `${key}.name`, context.mounts);
  if (item.project_domain_name !== undefined && item.project_name === undefined) throw new OptionError(`${key}.project_domain_name`, 'needs project_name');
  const project = item.project_name === undefined
    ? undefined
    : { name: requireString(item.project_name, `${key}.project_name`), domain: requireString(withDefault(item.project_domain_name, 'Default'), `${key}.project_domain_name`) };
  if (token === 'passthrough') {
    if (region === undefined) throw new OptionError(`${key}.region`, "required with token: passthrough (the region of the caller's own catalog the requests go to)");
    if (project) throw new OptionError(`${key}.project_name`, "not with token: passthrough (the caller's own token goes there, scoped to its own project)");
    // Registered under its own region's name, the gateway would be the endpoint it forwards to.
    if (name === region) throw new OptionError(`${key}.name`, `must differ from its region (${region}) with token: passthrough`);
  } else if (context.serviceProviders !== 'auto' && !context.serviceProviders.includes(serviceProvider)) {
    throw new OptionError(`${key}.sp`, `"${serviceProvider}" is not in service_providers (${context.serviceProviders.join(', ')})`);
  }
  return { name, serviceProvider, ...(region !== undefined && { region }), ...(project && { project }), token };
}

/** Why a name cannot be a virtual region's, or undefined when it can. */
export function badName(name: string, mounts: string[]): string | undefined {
  if (!NAME.test(name)) return 'must be letters, digits, "_", "-" and "." (it is a path segment and a region id)';
  const taken = mounts.find((mount) => mount.split('/')[1] === name);
  if (taken) return `"${name}" is the first segment of mount ${taken}`;
  if (OWN_PATHS.includes(name)) return `"${name}" is the gateway's own (/${name})`;
  return undefined;
}

function checkName(name: string, key: string, mounts: string[]): void {
  const reason = badName(name, mounts);
  if (reason) throw new OptionError(key, reason);
}
