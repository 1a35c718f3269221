import type { ResourceTypes } from '../learn/resource-types.js';
import type { RoutingRule } from './target.js';

/** Rule 4: an id nobody has learned yet is looked for in every cloud the caller may use. */
export function searchUnknownId(resources: ResourceTypes): RoutingRule {
  return ({ request, identity }) => {
    if (!resources.has(request.resourceType) || request.resourceId === undefined || !identity?.project) return undefined;
    return { kind: 'locate', reason: 'unknown id: search' };
  };
}
