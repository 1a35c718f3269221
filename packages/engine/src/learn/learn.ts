import type { ResourceLocation } from '@k2k/store';
import type { Call } from '../call.js';
import type { JsonBody } from '../answer/json-body.js';
import type { Locations } from './locations.js';
import type { ResourceTypes } from './resource-types.js';

/** What an answer teaches: who answered, how, and whether the request was routed by what was learned. */
export interface Lesson {
  call: Call;
  /** Where the answer came from */
  location: ResourceLocation;
  status: number;
  /** The request went where a learned location said: a 2xx only confirms it (its use refreshed it) */
  routedByLearning: boolean;
  /**
   * The request went where a search found it: the search learns its own outcome once every probe
   * is in, so the answer's status teaches nothing (a late lesson could undo an ambiguity found
   * meanwhile)
   */
  searched: boolean;
}

/** Writes of one list answer in flight at once: memcached pipelines them; this bounds the burst. */
const LIST_WRITE_BATCH = 16;

/**
 * Step 7: learns from an answer (DESIGN "One request", step 7). A 2xx GET/HEAD/PUT/PATCH of a
 * resource remembers where it is (unless a search found it: the search learns); a 2xx create
 * remembers the new id from the body; every item of a list answer is remembered; a 2xx DELETE
 * forgets; a 404 where a learned location pointed forgets it. What another cloud claims never
 * replaces a location already learned (ResourceMap.learn).
 */
export class Learner {
  constructor(
    private readonly locations: Locations,
    private readonly resources: ResourceTypes,
    private readonly listLimit: number,
  ) {}

  /** Whether an answer to this call may teach from its body (so the answer step keeps a copy). */
  wantsBody(call: Call): boolean {
    const { method, resourceId, resourceType, action } = call.request;
    return this.resources.has(resourceType) && resourceId === undefined && action === undefined && (method === 'POST' || method === 'GET');
  }

  /**
   * What the status alone teaches, for a request naming a resource: learned before the answer is
   * written, so the caller's next request already finds it.
   */
  async learnFromStatus(lesson: Lesson): Promise<void> {
    const { call, location, status, routedByLearning, searched } = lesson;
    const { method, resourceType, resourceId, action } = call.request;
    if (!this.resources.has(resourceType) || resourceId === undefined) return;
    const key = this.locations.keyOf(call.identity, call.request);
    if (!key) return;
    const ok = status >= 200 && status < 300;
    if (ok && method === 'DELETE' && action === undefined) await this.locations.forget(key);
    else if (status === 404 && routedByLearning) await this.locations.forget(key);
    else if (ok && !routedByLearning && !searched && ['GET', 'HEAD', 'PUT', 'PATCH'].includes(method)) await this.locations.learn(key, location);
  }

  /** Whether the answer's body teaches a create's new id: then it is learned before the answer's end is sent. */
  learnsCreate(call: Call): boolean {
    return this.wantsBody(call) && call.request.method === 'POST';
  }

  /** What a create's or a list's answer body teaches: the new id, or every item listed. */
  async learnFromBody(lesson: Lesson, body: JsonBody | undefined): Promise<void> {
    const { call, location, status } = lesson;
    const { method, resourceType } = call.request;
    if (!body || !this.wantsBody(call) || !this.resources.has(resourceType) || status < 200 || status >= 300) return;
    const parsed = body.value();
    if (method !== 'POST') return this.learnItems(call, this.resources.listedIds(parsed, resourceType, this.listLimit).map((id) => ({ id, location })));
    const id = this.resources.createdId(parsed, resourceType);
    const key = id && this.locations.keyOf(call.identity, call.request, id);
    if (key) await this.locations.learn(key, location);
  }

  /** Every item of a list, each where it was listed (a merged list's items come from several clouds). */
  async learnItems(call: Call, items: readonly { id: string; location: ResourceLocation }[]): Promise<void> {
    if (!this.resources.has(call.request.resourceType)) return;
    const entries = items.slice(0, this.listLimit).flatMap(({ id, location }) => {
      const key = this.locations.keyOf(call.identity, call.request, id);
      return key ? [{ key, location }] : [];
    });
    for (let i = 0; i < entries.length; i += LIST_WRITE_BATCH) {
      await Promise.all(entries.slice(i, i + LIST_WRITE_BATCH).map(({ key, location }) => this.locations.learn(key, location)));
    }
  }
}
