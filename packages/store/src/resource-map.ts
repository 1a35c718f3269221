import { requireInteger, withDefault } from './option-checks.js';
import { SealedJsonCache, type CacheCounts } from './sealed-json-cache.js';
import type { Store } from './store.js';

/** Which resource: ids are unique per service type and resource type. */
export interface ResourceKey {
  /** The canonical service type, e.g. 'block-storage' (callers normalise aliases first) */
  serviceType: string;
  /** e.g. 'volumes', 'images' */
  resourceType: string;
  resourceId: string;
}

/** Where a resource was found. */
export interface ResourceLocation {
  /** The service provider id, or null for the local cloud */
  serviceProvider: string | null;
  /** The project the resource belongs to there */
  projectId?: string;
  projectName?: string;
  projectDomainName?: string;
}

export interface ResourceMapOptions {
  /** How long a learned location is remembered, in seconds. Default 86400 (a day). */
  ttlSeconds?: number;
}

/**
 * Learned resource locations shared by every process on the store: (service type, resource type,
 * id) -> the cloud and project that hold it. Keys are hashed and values sealed with the store's codec.
 */
export class ResourceMap<L extends ResourceLocation = ResourceLocation> {
  private readonly cache: SealedJsonCache<L>;
  private readonly ttlSeconds: number;

  constructor(store: Store, options: ResourceMapOptions = {}) {
    this.cache = new SealedJsonCache<L>(store, 'resource');
    this.ttlSeconds = requireInteger(withDefault(options.ttlSeconds, 86_400), 'ttlSeconds', 1);
  }

  learn(key: ResourceKey, location: L): Promise<boolean> {
    return this.cache.set(subject(key), location, this.ttlSeconds);
  }

  find(key: ResourceKey): Promise<L | undefined> {
    return this.cache.get(subject(key));
  }

  forget(key: ResourceKey): Promise<boolean> {
    return this.cache.delete(subject(key));
  }

  stats(): CacheCounts {
    return this.cache.stats();
  }
}

function subject(key: ResourceKey): string {
  return `${key.serviceType}\n${key.resourceType}\n${key.resourceId}`;
}
