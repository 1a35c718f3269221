/**
 * Official service types and their historical aliases, from OpenStack's service-types-authority,
 * for the services whose aliases still appear in catalogs. A catalog may list a service under any
 * of them; the official type is preferred, then the aliases in order.
 */
const ALIASES: Record<string, readonly string[]> = {
  'block-storage': ['volumev3', 'volumev2', 'volume', 'block-store'],
  'shared-file-system': ['sharev2', 'share'],
  'container-infrastructure-management': ['container-infrastructure', 'container-infra'],
  'application-catalog': [],
  workflow: ['workflowv2'],
  clustering: ['cluster'],
  'data-processing': [],
  'resource-cluster': ['reservation'],
  'object-store': [],
  compute: [],
  image: [],
  network: [],
  identity: [],
  placement: [],
  'load-balancer': [],
  dns: [],
  'key-manager': [],
  orchestration: [],
  baremetal: [],
  'baremetal-introspection': [],
};

const OFFICIAL_BY_ALIAS = new Map<string, string>(
  Object.entries(ALIASES).flatMap(([official, aliases]) => [[official, official] as [string, string], ...aliases.map((alias) => [alias, official] as [string, string])]),
);

/** The official type for a type or alias ('volumev3' -> 'block-storage'); unknown types stay as given. */
export function officialServiceType(type: string): string {
  return OFFICIAL_BY_ALIAS.get(type) ?? type;
}

/** Whether `type` is an official type or one of its aliases, as the service-types authority lists them. */
export function isKnownServiceType(type: string): boolean {
  return OFFICIAL_BY_ALIAS.has(type);
}

/** Every name a catalog may list the service under, best first ('volumev3' -> block-storage, volumev3, ...). */
export function serviceTypeCandidates(type: string): string[] {
  const official = officialServiceType(type);
  return [official, ...(ALIASES[official] ?? [])];
}
