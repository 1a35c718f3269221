import { OptionError } from '@k2k/common';
import type { ConfigFile } from './config-schema.js';

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

type VirtualRegionFile = Exclude<NonNullable<ConfigFile['virtual_regions']>, 'auto'>[number];

/** A path segment that is also a fine Keystone region id. */
const NAME = /^[A-Za-z0-9][\w.-]*$/;
const OWN_PATHS = ['healthz', 'metrics'];

/** The rules of a `virtual_regions` list beyond its schema: names, the SPs they pin, passthrough targets. */
export function checkVirtualRegions(file: ConfigFile): void {
  if (file.virtual_regions === undefined || file.virtual_regions === 'auto') return;
  const names = file.virtual_regions.map(nameOf);
  const serviceProviders = file.service_providers;
  file.virtual_regions.forEach((item, i) => {
    const key = `virtual_regions[${i}]`;
    if (item.sp === file.local.name) throw new OptionError(`${key}.sp`, `names the local cloud (local.name "${file.local.name}"): its mounts already serve it`);
    const reason = badName(names[i], Object.keys(file.mounts));
    if (reason) throw new OptionError(`${key}.name`, reason);
    if (item.project_domain_name !== undefined && item.project_name === undefined) throw new OptionError(`${key}.project_domain_name`, 'needs project_name');
    if (item.token === 'passthrough') {
      if (item.region === undefined) throw new OptionError(`${key}.region`, "required with token: passthrough (the region of the caller's own catalog the requests go to)");
      if (item.project_name !== undefined) throw new OptionError(`${key}.project_name`, "not with token: passthrough (the caller's own token goes there, scoped to its own project)");
      // Registered under its own region's name, the gateway would be the endpoint it forwards to.
      if (names[i] === item.region) throw new OptionError(`${key}.name`, `must differ from its region (${item.region}) with token: passthrough`);
    } else if (serviceProviders !== 'auto' && !serviceProviders.includes(item.sp)) {
      throw new OptionError(`${key}.sp`, `"${item.sp}" is not in service_providers (${serviceProviders.join(', ')})`);
    }
    if (names.indexOf(names[i]) !== i) throw new OptionError(`${key}.name`, `"${names[i]}" is already the name of another virtual region`);
  });
}

/** `virtual_regions`: none when absent, `auto` (every SP, found at start), or the list with its defaults. */
export function virtualRegionsOf(file: ConfigFile): 'auto' | VirtualRegion[] {
  if (file.virtual_regions === undefined) return [];
  if (file.virtual_regions === 'auto') return 'auto';
  return file.virtual_regions.map((item) => ({
    name: nameOf(item),
    serviceProvider: item.sp,
    ...(item.region !== undefined && { region: item.region }),
    ...(item.project_name !== undefined && { project: { name: item.project_name, domain: item.project_domain_name ?? 'Default' } }),
    token: item.token,
  }));
}

function nameOf(item: VirtualRegionFile): string {
  return item.name ?? (item.region === undefined ? item.sp : `${item.sp}.${item.region}`);
}

/** Why a name cannot be a virtual region's, or undefined when it can. */
export function badName(name: string, mounts: string[]): string | undefined {
  if (!NAME.test(name)) return 'must be letters, digits, "_", "-" and "." (it is a path segment and a region id)';
  const taken = mounts.find((mount) => mount.split('/')[1] === name);
  if (taken) return `"${name}" is the first segment of mount ${taken}`;
  if (OWN_PATHS.includes(name)) return `"${name}" is the gateway's own (/${name})`;
  return undefined;
}
