import type { EndpointGrant, EndpointPolicyOption } from '@k2k/k2k-forward';
import type { ConfigFile } from './config-schema.js';
import type { VirtualRegion } from './virtual-regions.js';

type GrantFile = Extract<ConfigFile['endpoint_policy'], { rules: unknown }>['rules'][number];

/** `endpoint_policy` (DESIGN.md "Endpoint policy") in k2kForward's form: `open`, `catalog`, or the rules with camelCase filters. */
export function endpointPolicyOf(file: ConfigFile): EndpointPolicyOption {
  const policy = file.endpoint_policy;
  return typeof policy === 'string' ? policy : { rules: policy.rules.map(grantOf) };
}

function grantOf(grant: GrantFile): EndpointGrant {
  return {
    ...(grant.projects && { projects: grant.projects }),
    ...(grant.domains && { domains: grant.domains }),
    ...(grant.roles && { roles: grant.roles }),
    ...(grant.service_providers && { serviceProviders: grant.service_providers }),
    ...(grant.service_types && { serviceTypes: grant.service_types }),
    ...(grant.interfaces && { interfaces: grant.interfaces }),
    ...(grant.regions && { regions: grant.regions }),
  };
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
