import { OpenStackError } from '@k2k/common';
import type { ResourceLocation } from '@k2k/store';
import type { Locations } from '../learn/locations.js';
import type { ResourceTypes } from '../learn/resource-types.js';
import type { Decision, RoutingRule } from './target.js';

/**
 * Rule 3: a learned location. An id found nowhere a short while ago answers 404 at once, so random
 * ids cannot turn every request into a search.
 */
export function learnedLocation(locations: Locations, resources: ResourceTypes): RoutingRule {
  return async ({ request, identity }) => {
    if (!resources.has(request.resourceType)) return undefined;
    const key = locations.keyOf(identity, request);
    const entry = key && (await locations.find(key));
    if (!entry) return undefined;
    if (entry.kind === 'absent') throw new OpenStackError(404, `No cloud has ${request.resourceType} ${request.resourceId} for you (searched a moment ago).`);
    return decisionAt(entry.location, 'learned location', true);
  };
}

/** Where a learned location sends the request; `learned`: it is the path's resource's, which a 404 there makes stale. */
export function decisionAt({ serviceProvider, projectId }: ResourceLocation, reason: string, learned: boolean): Extract<Decision, { kind: 'local' | 'remote' }> {
  const marked = learned && { learned };
  if (serviceProvider === null) return { kind: 'local', reason, ...marked };
  return { kind: 'remote', serviceProvider, ...(projectId && { project: { id: projectId } }), reason, ...marked };
}
