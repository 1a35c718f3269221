import type { KeystoneIdentity } from '@k2k/common';
import { ResourceMap, type ResourceEntry, type ResourceKey, type ResourceLocation, type Store } from '@k2k/store';
import type { ApiRequest } from '../parse/parse-request.js';

/** A learned change, for metrics and logs. */
export interface LocationEvent {
  /** `absent`: remembered as found nowhere; `absent-hit`: a request answered 404 by that memory, without a search */
  action: 'learned' | 'forgotten' | 'absent' | 'absent-hit';
  resourceType: string;
  /** The service provider, or undefined for the local cloud */
  serviceProvider?: string;
}

/**
 * How long a worker keeps a location it read or wrote: a learned request then costs what a
 * header-routed one does, and relisted items are not written again. A location another worker
 * forgot meanwhile costs a 404 there and a search, as a stale one always does.
 */
const LOCAL_COPY_SECONDS = 5;

/**
 * The learned locations of one service's resources, per caller's project (DESIGN "Learned
 * locations"), on the shared store. A store that is down only costs misses: every call here
 * settles within the store's deadline and never throws for it.
 */
export class Locations {
  private readonly map: ResourceMap;

  constructor(
    store: Store,
    private readonly serviceType: string,
    ttlSeconds: number,
    private readonly absentTtlSeconds: number,
    private readonly onChange: (event: LocationEvent) => void,
  ) {
    this.map = new ResourceMap(store, { ttlSeconds, localTtlSeconds: LOCAL_COPY_SECONDS });
  }

  /** The key of a resource for this caller; undefined without a project-scoped caller or a resource id. */
  keyOf(identity: KeystoneIdentity | undefined, request: ApiRequest, resourceId = request.resourceId): ResourceKey | undefined {
    const projectId = identity?.project?.id;
    if (!projectId || !request.resourceType || !resourceId) return undefined;
    return { projectId, serviceType: this.serviceType, resourceType: request.resourceType, resourceId };
  }

  async find(key: ResourceKey): Promise<ResourceEntry | undefined> {
    const entry = await this.map.find(key);
    if (entry?.kind === 'absent') this.onChange({ action: 'absent-hit', resourceType: key.resourceType });
    return entry;
  }

  /** Where a resource was learned to be, if it was: no 404 answered by an absent mark (another service's resource, which a request only names). */
  async locationOf(key: ResourceKey): Promise<ResourceLocation | undefined> {
    const entry = await this.map.find(key);
    return entry?.kind === 'found' ? entry.location : undefined;
  }

  /** Remembers where the resource is; another cloud's location already learned stays (nothing learned then). */
  async learn(key: ResourceKey, location: ResourceLocation): Promise<void> {
    if ((await this.map.learn(key, location)) === 'kept') return;
    this.onChange({ action: 'learned', resourceType: key.resourceType, serviceProvider: location.serviceProvider ?? undefined });
  }

  async forget(key: ResourceKey): Promise<void> {
    await this.map.forget(key);
    this.onChange({ action: 'forgotten', resourceType: key.resourceType });
  }

  async rememberAbsent(key: ResourceKey): Promise<void> {
    if (this.absentTtlSeconds === 0) return;
    await this.map.rememberAbsent(key, this.absentTtlSeconds);
    this.onChange({ action: 'absent', resourceType: key.resourceType });
  }

  stats() {
    return this.map.stats();
  }
}
