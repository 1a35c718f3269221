import type { RoutingRule } from './target.js';

/**
 * Rule 5: a list of an aggregatable resource type (`/volumes`, `/volumes/detail`, `/images`,
 * Neutron's `/networks.json`...) is asked of every cloud and merged. Only where the local cloud can
 * be asked too (a local upstream), and for a project-scoped caller.
 */
export function aggregateList(resourceTypes: ReadonlySet<string>): RoutingRule {
  return ({ request, identity }) => {
    const { method, resourceType, resourceId, rest } = request;
    if (method !== 'GET' || resourceId !== undefined || !resourceType || !resourceTypes.has(resourceType) || !identity?.project) return undefined;
    // `.json`: Neutron's format suffix, which step 1 took off the resource type only where the service takes it.
    if (rest !== `/${resourceType}` && rest !== `/${resourceType}/detail` && rest !== `/${resourceType}.json`) return undefined;
    return { kind: 'fanout', reason: 'a list: every cloud, merged' };
  };
}
