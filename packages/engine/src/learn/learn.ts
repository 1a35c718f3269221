import type { ResourceLocation } from '@k2k/store';
import type { Call } from '../call.js';
import type { JsonBody } from '../answer/json-body.js';
import type { Locations } from './locations.js';
import type { ResourceTypes } from './resource-types.js';

/**
 * What one request's outcome can teach, in the order the pipeline meets it: the answer's status
 * (before the answer is written, or once the service's own routes answered), its body (a create's
 * before the answer's last byte, a list's after it), or the items of a merged list.
 */
export type Outcome =
  | {
      kind: 'status';
      /** Where the answer came from */
      location: ResourceLocation;
      status: number;
      /** The request went where a learned location said: a 2xx only confirms it (its use refreshed it) */
      routedByLearning: boolean;
      /**
       * The request went where a search found it: the search learns its own outcome once every
       * probe is in, so the answer's status teaches nothing (a late lesson could undo an ambiguity
       * found meanwhile)
       */
      searched: boolean;
    }
  | { kind: 'body'; location: ResourceLocation; status: number; body: JsonBody | undefined }
  /** Every item of a list, each where it was listed (a merged list's items come from several clouds) */
  | { kind: 'items'; items: readonly { id: string; location: ResourceLocation }[] };

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

  /** The one entry: what `outcome` teaches about `call`'s resources, stored before it resolves. */
  learn(call: Call, outcome: Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'status':
        return this.fromStatus(call, outcome);
      case 'body':
        return this.fromBody(call, outcome);
      case 'items':
        return this.fromItems(call, outcome.items);
    }
  }

  /** What the status alone teaches, for a request naming a resource. */
  private async fromStatus(call: Call, outcome: Extract<Outcome, { kind: 'status' }>): Promise<void> {
    const { location, status, routedByLearning, searched } = outcome;
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

  /** What a create's or a list's answer body teaches: the new id (each of a bulk create's), or every item listed. */
  private async fromBody(call: Call, outcome: Extract<Outcome, { kind: 'body' }>): Promise<void> {
    const { location, status, body } = outcome;
    const { method, resourceType } = call.request;
    if (!body || !this.wantsBody(call) || !this.resources.has(resourceType) || status < 200 || status >= 300) return;
    const parsed = body.value();
    if (method !== 'POST') return this.fromItems(call, this.resources.listedIds(parsed, resourceType, this.listLimit).map((id) => ({ id, location })));
    return this.fromItems(call, this.resources.createdIds(parsed, resourceType, this.listLimit).map((id) => ({ id, location })));
  }

  private async fromItems(call: Call, items: readonly { id: string; location: ResourceLocation }[]): Promise<void> {
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
