/**
 * Each service's URL grammar, the one place that knows it: the second segments under a resource
 * type that name the collection, not one of its resources (a list variant, a summary, an action on
 * the collection). Such a path has no resource id: it is not searched, learned or qualified.
 * Per official service type, then resource type; Glance and Neutron have none (every second segment
 * under `/images`, `/networks`... is an id).
 */
const COLLECTION_LEVEL: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  // Cinder v3: `volumes/summary` (3.12), `groups/action` (create from a source, 3.14), `backups/import_record`.
  'block-storage': {
    volumes: ['detail', 'summary'],
    snapshots: ['detail'],
    backups: ['detail', 'import_record'],
    groups: ['detail', 'action'],
    group_snapshots: ['detail'],
    attachments: ['detail'],
    'os-volume-transfer': ['detail'],
    'volume-transfers': ['detail'],
    manageable_volumes: ['detail'],
    manageable_snapshots: ['detail'],
  },
  compute: { servers: ['detail'], flavors: ['detail'], images: ['detail'], 'os-volumes': ['detail'], 'os-snapshots': ['detail'] },
  // Manila v2: `shares/manage`, `snapshots/manage` take a resource the service does not manage yet.
  'shared-file-system': { shares: ['detail', 'manage'], snapshots: ['detail', 'manage'], 'share-networks': ['detail'] },
  image: {},
  network: {},
};

/** For a service of no known type (or not yet known): what is collection-level in any service. */
const ANY_SERVICE: Readonly<Record<string, ReadonlySet<string>>> = (() => {
  const union: Record<string, Set<string>> = {};
  for (const types of Object.values(COLLECTION_LEVEL)) for (const [type, names] of Object.entries(types)) for (const name of names) (union[type] ??= new Set()).add(name);
  return union;
})();

const BY_SERVICE: Readonly<Record<string, Readonly<Record<string, ReadonlySet<string>>>>> = Object.fromEntries(
  Object.entries(COLLECTION_LEVEL).map(([service, types]) => [service, Object.fromEntries(Object.entries(types).map(([type, names]) => [type, new Set(names)]))]),
);

/**
 * Whether `segment`, second under `resourceType`, names the collection rather than a resource of
 * `serviceType` (official type; one of no known type, or undefined, takes what any service does).
 */
export function isCollectionLevel(serviceType: string | undefined, resourceType: string, segment: string): boolean {
  const grammar = (serviceType !== undefined && BY_SERVICE[serviceType]) || ANY_SERVICE;
  return grammar[resourceType]?.has(segment) === true;
}

/**
 * The services whose router takes a `.json` format suffix on a path's last segment: Neutron's
 * (pecan guesses the format from it: `/v2.0/networks.json`, `/v2.0/ports/<id>.json`, as old
 * neutronclients send). A service of no known type (or undefined) takes it as any service might.
 */
const FORMAT_SUFFIX: ReadonlySet<string> = new Set(['network']);
const KNOWN_SERVICES: ReadonlySet<string> = new Set(Object.keys(COLLECTION_LEVEL));

/** `segment`, the last of a path, without the `.json` suffix when `serviceType` takes one there. */
export function withoutFormatSuffix(serviceType: string | undefined, segment: string): string {
  const takesSuffix = serviceType === undefined || FORMAT_SUFFIX.has(serviceType) || !KNOWN_SERVICES.has(serviceType);
  return takesSuffix && segment.length > 5 && segment.endsWith('.json') ? segment.slice(0, -5) : segment;
}
