import { requireInteger, withDefault } from '@k2k/common';
import { SealedJsonCache, type CacheCounts } from './sealed-json-cache.js';
import type { Store } from '@k2k/common';

/**
 * Which resource, as one caller's project sees it. The project is part of the key, so what one
 * project learns or forgets never moves another project's requests.
 */
export interface ResourceKey {
  /** The caller's local project id */
  projectId: string;
  /** The canonical service type, e.g. 'block-storage' (callers normalise aliases first) */
  serviceType: string;
  /** e.g. 'volumes', 'images' */
  resourceType: string;
  /** Compared lowercase and without dashes, as OpenStack ids are written both ways */
  resourceId: string;
}

/** Where a resource was found. */
export interface ResourceLocation {
  /** The service provider id, or null for the local cloud */
  serviceProvider: string | null;
  /** The project the resource belongs to there */
  projectId?: string;
}

/** What a `learn` did: remembered the location, left another cloud's in place (`kept`), or could not reach the store. */
export type LearnOutcome = 'learned' | 'kept' | 'unavailable';

/** What the map knows of a resource: where it is, or that it was found nowhere a short while ago. */
export type ResourceEntry<L extends ResourceLocation = ResourceLocation> = { kind: 'found'; location: L } | { kind: 'absent' };

export interface ResourceMapOptions {
  /** How long a learned location is remembered, in seconds; refreshed on use. Default 86400 (a day). */
  ttlSeconds?: number;
  /**
   * Also keep the locations this process read or wrote for up to this many seconds (never an
   * absent mark): a warm look-up makes no store call, and learning what it already knows (an item
   * listed again) writes nothing. Another process's forget is seen this late at most, which costs
   * a 404 at the old location and a search. Default 0: off.
   */
  localTtlSeconds?: number;
}

/** The stored form: a location with when it was last written (epoch ms), or the absent mark. */
type Stored<L> = { location: L; writtenAt: number } | { absent: true };

/**
 * Learned resource locations shared by every process on the store: (caller's project, service
 * type, resource type, id) -> the cloud and project that hold it. Keys are hashed and values
 * sealed with the store's codec. A location in use is written again once it is past half its TTL,
 * so what is used stays and what is not expires.
 */
export class ResourceMap<L extends ResourceLocation = ResourceLocation> {
  private readonly cache: SealedJsonCache<Stored<L>>;
  private readonly ttlSeconds: number;

  constructor(store: Store, options: ResourceMapOptions = {}) {
    // An absent mark is never kept locally: a resource created meanwhile through another process
    // would be answered 404 here. A stale location only costs a 404 there and a search.
    this.cache = new SealedJsonCache<Stored<L>>(store, 'resource', { localTtlSeconds: requireInteger(withDefault(options.localTtlSeconds, 0), 'localTtlSeconds', 0) }, (stored) => !('absent' in stored));
    this.ttlSeconds = requireInteger(withDefault(options.ttlSeconds, 86_400), 'ttlSeconds', 1);
  }

  /**
   * Remembers where the resource is; nothing is written when this process wrote or read the same
   * location in its first half-life (so another process's forget meanwhile costs a search there).
   * A location is never replaced by another cloud's (`kept`): a cloud that claims an id in a list,
   * a probe or an answer cannot draw requests from the cloud already known to hold it, whichever
   * taught it first (a create, a search, a list). Only a forget (a 404 there, a DELETE) clears the way.
   */
  async learn(key: ResourceKey, location: L): Promise<LearnOutcome> {
    const known = this.cache.peek(subject(key));
    const knownHere = known && 'location' in known ? known : undefined;
    if (knownHere && sameLocation(knownHere.location, location) && !this.pastHalfLife(knownHere.writtenAt)) return 'learned';
    const entry = { location, writtenAt: Date.now() };
    if (!knownHere) {
      // A new id (the usual case: a create, a listed item): one atomic write, which also settles a race between two clouds.
      const added = await this.cache.add(subject(key), entry, this.ttlSeconds);
      if (added !== 'exists') return added === 'added' ? 'learned' : 'unavailable';
    }
    const stored = knownHere ?? (await this.cache.get(subject(key)));
    if (stored && 'location' in stored && stored.location.serviceProvider !== location.serviceProvider) return 'kept';
    const written = await this.cache.set(subject(key), entry, this.ttlSeconds);
    return written ? 'learned' : 'unavailable';
  }

  /** Remembers that the resource was found nowhere, for a short while. */
  rememberAbsent(key: ResourceKey, ttlSeconds: number): Promise<boolean> {
    return this.cache.set(subject(key), { absent: true }, ttlSeconds);
  }

  async find(key: ResourceKey): Promise<ResourceEntry<L> | undefined> {
    const stored = await this.cache.get(subject(key));
    if (!stored) return undefined;
    if ('absent' in stored) return { kind: 'absent' };
    // Just read: written again as it is, with no check of what another cloud holds.
    if (this.pastHalfLife(stored.writtenAt)) await this.cache.set(subject(key), { location: stored.location, writtenAt: Date.now() }, this.ttlSeconds);
    return { kind: 'found', location: stored.location };
  }

  private pastHalfLife(writtenAt: number): boolean {
    return Date.now() - writtenAt > (this.ttlSeconds * 1000) / 2;
  }

  forget(key: ResourceKey): Promise<boolean> {
    return this.cache.delete(subject(key));
  }

  stats(): CacheCounts {
    return this.cache.stats();
  }
}

/** OpenStack ids are compared lowercase and without dashes ('F3A1-..' and 'f3a1..' are one id). */
export function normalizeResourceId(id: string): string {
  return id.toLowerCase().replace(/-/g, '');
}

function sameLocation(a: ResourceLocation, b: ResourceLocation): boolean {
  return a.serviceProvider === b.serviceProvider && a.projectId === b.projectId;
}

function subject(key: ResourceKey): string {
  return `${key.projectId}\n${key.serviceType}\n${key.resourceType}\n${normalizeResourceId(key.resourceId)}`;
}
