import { isJsonRequest, readJsonBody } from '../parse/request-body.js';
import type { ResourceTypes } from '../learn/resource-types.js';
import type { RoutingRule } from './target.js';

/**
 * A create that names no cloud (no routing header, qualifier or pin: earlier rules decide those)
 * goes where the placement policy says: a POST on a collection of a learned resource type, with a
 * JSON body, by a project-scoped caller. The body is read here (bounded), so the create can be
 * sent again to the next candidate when one cannot be reached.
 */
export function placeCreate(resources: ResourceTypes, bodyLimitBytes: number): RoutingRule {
  return async ({ req, request, identity }) => {
    const { method, resourceType, resourceId, rest } = request;
    if (method !== 'POST' || resourceId !== undefined || !resources.has(resourceType) || rest !== `/${resourceType}` || !identity?.project) return undefined;
    if (!isJsonRequest(req)) return undefined;
    await readJsonBody(req, bodyLimitBytes);
    return { kind: 'place', reason: 'a create that names no cloud: placed' };
  };
}
