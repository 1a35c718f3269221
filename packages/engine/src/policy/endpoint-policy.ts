import { OptionError, rejectUnknownKeys, requireObject, requireString, type EndpointInterface, type KeystoneIdentity, type ScopedProject } from '@k2k/common';
import { normalizeInterface, officialServiceType, selectEndpoint } from '@k2k/keystone';

/**
 * The `endpointPolicy` option (DESIGN "Endpoint policy"): who may reach which service provider's
 * services. Keystone's endpoint groups only trim catalogs; this is where they are enforced.
 * - 'open' (default): every service provider the caller's token offers;
 * - 'catalog': a service provider's service only when the caller's own token (from the IdP, trimmed
 *   by the IdP's endpoint groups for the project) lists that service with that interface in the
 *   virtual region asked for: a pinned mount's own (`pin.name`), else one standing for the service
 *   provider's default endpoints (the `virtualRegionNames` option);
 * - `{ rules }`: only what a rule grants to the caller's project, domain or role.
 */
export type EndpointPolicyOption = 'open' | 'catalog' | { rules: EndpointGrant[] };

/**
 * One grant: the callers it is for (any of `projects`, `domains`, `roles` matching; none given:
 * every caller) and what they may reach, as endpoint-group filters: every attribute given must
 * match, an absent one matches anything.
 */
export interface EndpointGrant {
  /** Project ids, `name@domain` (the domain's name or id), or bare names of projects in the Default domain */
  projects?: string[];
  /** Domain ids or names */
  domains?: string[];
  /** Role names */
  roles?: string[];
  serviceProviders?: string[];
  /** Service types, aliases accepted ('volumev3' and 'block-storage' are one) */
  serviceTypes?: string[];
  interfaces?: string[];
  /** Virtual region names (see the `virtualRegionNames` option; default a service provider's id) */
  regions?: string[];
}

/** A validated policy. */
export type EndpointPolicy =
  | { kind: 'open' }
  | { kind: 'catalog'; regions: Record<string, string[]> }
  | { kind: 'rules'; rules: ParsedGrant[]; regions: Record<string, string[]> };

export interface ParsedGrant {
  projects?: string[];
  domains?: string[];
  roles?: string[];
  serviceProviders?: string[];
  serviceTypes?: string[];
  interfaces?: EndpointInterface[];
  regions?: string[];
}

/**
 * What one request may reach: why a service provider is refused, or undefined when it is not.
 * `virtualRegion`: the one virtual region asked for (a pinned mount); else any of the service
 * provider's (`virtualRegionNames`).
 */
export type EndpointRefusal = (serviceProvider: string, endpointInterface: EndpointInterface, virtualRegion?: string) => string | undefined;

/** Validates `endpointPolicy`, naming the offending key; `regions`: the virtual region names of each service provider. */
export function parseEndpointPolicy(value: unknown, option: string, regions: Record<string, string[]>): EndpointPolicy {
  if (value === undefined || value === 'open') return { kind: 'open' };
  if (value === 'catalog') return { kind: 'catalog', regions };
  const policy = requireObject(value, option);
  rejectUnknownKeys(policy, ['rules'], option);
  if (!Array.isArray(policy.rules)) throw new OptionError(`${option}.rules`, "must be a list of grants, e.g. [{ projects: ['demo'], serviceProviders: ['sp1'] }]");
  return { kind: 'rules', rules: policy.rules.map((rule, i) => parseGrant(rule, `${option}.rules[${i}]`)), regions };
}

/**
 * The refusal function for one caller at one service. The message names the service, the region
 * and the interface refused, as the operator would look them up.
 */
export function endpointRefusal(policy: EndpointPolicy, identity: KeystoneIdentity | undefined, serviceType: string): EndpointRefusal | undefined {
  if (policy.kind === 'open') return undefined;
  const regionsOf = (sp: string, virtualRegion: string | undefined) => (virtualRegion !== undefined ? [virtualRegion] : (policy.regions[sp] ?? [sp]));
  const refused = (sp: string, endpointInterface: EndpointInterface, regions: string[], why: string) =>
    `${serviceType} with interface ${endpointInterface} in region ${regions.join(' or ')} (service provider ${sp}) is not allowed for your project: ${why}.`;
  if (policy.kind === 'catalog') {
    const catalog = identity?.catalog ?? [];
    return (sp, endpointInterface, virtualRegion) => {
      const regions = regionsOf(sp, virtualRegion);
      return regions.some((region) => selectEndpoint(catalog, { serviceType, interface: endpointInterface, region }))
        ? undefined
        : refused(sp, endpointInterface, regions, 'the catalog of your token does not list it');
    };
  }
  const grants = policy.rules.filter((grant) => grantedTo(grant, identity));
  const type = officialServiceType(serviceType);
  return (sp, endpointInterface, virtualRegion) => {
    const regions = regionsOf(sp, virtualRegion);
    return grants.some((grant) => reaches(grant, sp, type, endpointInterface, regions)) ? undefined : refused(sp, endpointInterface, regions, 'no endpoint policy rule grants it');
  };
}

function grantedTo(grant: ParsedGrant, identity: KeystoneIdentity | undefined): boolean {
  if (!identity) return false;
  if (!grant.projects && !grant.domains && !grant.roles) return true;
  const project = identity.project;
  const domain = project?.domain ?? identity.domain;
  return (
    (project !== undefined && (grant.projects?.some((entry) => namesProject(entry, project)) ?? false)) ||
    (domain !== undefined && (grant.domains?.includes(domain.id) || grant.domains?.includes(domain.name)) === true) ||
    (grant.roles?.some((role) => identity.roles.includes(role)) ?? false)
  );
}

/**
 * A project by id, by `name@domain` (the domain's name or id), or by bare name in the Default
 * domain: project names are unique only within a domain, so a bare name never matches elsewhere.
 */
function namesProject(entry: string, project: ScopedProject): boolean {
  if (entry === project.id) return true;
  const at = entry.lastIndexOf('@');
  if (at < 0) return entry === project.name && project.domain.id === 'default';
  const domain = entry.slice(at + 1);
  return entry.slice(0, at) === project.name && (domain === project.domain.name || domain === project.domain.id);
}

function reaches(grant: ParsedGrant, sp: string, serviceType: string, endpointInterface: EndpointInterface, regions: string[]): boolean {
  return (
    (grant.serviceProviders?.includes(sp) ?? true) &&
    (grant.serviceTypes?.includes(serviceType) ?? true) &&
    (grant.interfaces?.includes(endpointInterface) ?? true) &&
    (grant.regions?.some((region) => regions.includes(region)) ?? true)
  );
}

const GRANT_KEYS = ['projects', 'domains', 'roles', 'serviceProviders', 'serviceTypes', 'interfaces', 'regions'] as const;

function parseGrant(value: unknown, option: string): ParsedGrant {
  const grant = requireObject(value, option);
  rejectUnknownKeys(grant, GRANT_KEYS, option);
  const lists: ParsedGrant = {};
  for (const key of ['projects', 'domains', 'roles', 'serviceProviders', 'regions'] as const) {
    if (grant[key] !== undefined) lists[key] = stringList(grant[key], `${option}.${key}`);
  }
  if (grant.serviceTypes !== undefined) lists.serviceTypes = stringList(grant.serviceTypes, `${option}.serviceTypes`).map(officialServiceType);
  if (grant.interfaces !== undefined) {
    lists.interfaces = stringList(grant.interfaces, `${option}.interfaces`).map((text, i) => {
      const normalized = normalizeInterface(text);
      if (!normalized) throw new OptionError(`${option}.interfaces[${i}]`, `must be public, internal or admin, got ${JSON.stringify(text)}`);
      return normalized;
    });
  }
  return lists;
}

/** Validates `virtualRegionNames`: service provider id -> the names of its virtual regions in the IdP's catalog. */
export function parseVirtualRegionNames(value: unknown, option: string): Record<string, string[]> {
  const regions = requireObject(value, option);
  return Object.fromEntries(Object.entries(regions).map(([sp, names]) => [sp, stringList(names, `${option}.${sp}`)]));
}

function stringList(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new OptionError(option, 'must be a non-empty list of strings');
  return value.map((item, i) => requireString(item, `${option}[${i}]`));
}
