/** One quota of a project at a cloud: its limit (null: unlimited) and what is used. */
export interface QuotaUse {
  limit: number | null;
  used: number;
}

/** A project's quotas at a cloud, by resource ('volumes', 'gigabytes', 'instances', 'cores', 'ram'). */
export type Quota = Record<string, QuotaUse>;

/**
 * The absolute-limits APIs: Cinder's (a service of volumes) and Nova's (of servers), where each
 * tells a project's quotas and which of its absolute limits make each quota. Chosen by the resource
 * types the service serves, not its catalog type, so a Cinder under any type name is one.
 */
const LIMITS = {
  volumes: {
    path: '/v3/{project_id}/limits',
    quotas: { volumes: ['maxTotalVolumes', 'totalVolumesUsed'], gigabytes: ['maxTotalVolumeGigabytes', 'totalGigabytesUsed'] },
  },
  servers: {
    path: '/v2.1/limits',
    quotas: { instances: ['maxTotalInstances', 'totalInstancesUsed'], cores: ['maxTotalCores', 'totalCoresUsed'], ram: ['maxTotalRAMSize', 'totalRAMUsed'] },
  },
} as const satisfies Record<string, { path: string; quotas: Record<string, readonly [max: string, used: string]> }>;

/** Which limits API a service has: Cinder's when it serves volumes, Nova's when it serves servers. */
export type LimitsApi = keyof typeof LIMITS;

export function limitsApiOf(resourceTypes: readonly string[]): LimitsApi | undefined {
  return (Object.keys(LIMITS) as LimitsApi[]).find((api) => resourceTypes.includes(api));
}

/** The API path of the project's absolute limits. */
export function limitsPath(api: LimitsApi, projectId: string): string {
  return LIMITS[api].path.replace('{project_id}', projectId);
}

/** The quotas in a `/limits` answer (`{"limits": {"absolute": {...}}}`); undefined when it has none. -1 means unlimited. */
export function quotaFromLimits(api: LimitsApi, body: unknown): Quota | undefined {
  const absolute = (body as { limits?: { absolute?: Record<string, unknown> } } | undefined)?.limits?.absolute;
  if (typeof absolute !== 'object' || absolute === null) return undefined;
  const quota: Quota = {};
  for (const [name, [max, used]] of Object.entries(LIMITS[api].quotas)) {
    const limit = absolute[max];
    const inUse = absolute[used];
    if (typeof limit !== 'number' || typeof inUse !== 'number') continue;
    quota[name] = { limit: limit < 0 ? null : limit, used: inUse };
  }
  return Object.keys(quota).length > 0 ? quota : undefined;
}

/**
 * What a create asks of the quotas, by the resource type and the created object: a volume takes
 * one of `volumes` and its size in `gigabytes` (Cinder's default size, 1, when the size is
 * missing: Cinder then refuses it anyway); a server one of `instances` (its flavor's cores and RAM
 * would need a flavor look-up: not counted). The first entry is the one headroom is ranked by.
 */
export function demandOf(resourceType: string, created: Record<string, unknown> | undefined): [string, number][] | undefined {
  if (resourceType === 'volumes') {
    const size = typeof created?.size === 'number' && created.size > 0 ? created.size : 1;
    return [
      ['gigabytes', size],
      ['volumes', 1],
    ];
  }
  if (resourceType === 'servers') return [['instances', 1]];
  return undefined;
}

/** What would be left of each quota the demand touches after it: null for unlimited; undefined when a quota is not known. */
export function leftAfter(quota: Quota | undefined, demand: [string, number][] | undefined): number[] | undefined {
  if (!quota || !demand) return undefined;
  const left: number[] = [];
  for (const [resource, amount] of demand) {
    const use = quota[resource];
    if (!use) return undefined;
    left.push(use.limit === null ? Number.POSITIVE_INFINITY : use.limit - use.used - amount);
  }
  return left;
}
