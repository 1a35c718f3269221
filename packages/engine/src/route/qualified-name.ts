import { splitQualifiedName } from '../parse/qualifier.js';
import { isJsonRequest, readJsonBody } from '../parse/request-body.js';
import type { ResourceTypes } from '../learn/resource-types.js';
import type { RoutingRule } from './target.js';

/**
 * Rule 2 for creates: a new resource named `<name>@<cloud>` is created in that cloud under the
 * bare name. Names are free text, so only a cloud the caller can use (or the local cloud's name)
 * counts as a qualifier; 'backup@home' stays a name. A malformed qualifier is 400 (splitQualifiedName).
 */
export function qualifiedName(resources: ResourceTypes, bodyLimitBytes: number): RoutingRule {
  return async ({ req, request, identity, localName }) => {
    if (request.method !== 'POST' || request.resourceId !== undefined || !resources.has(request.resourceType) || !isJsonRequest(req)) return undefined;
    const body = await readJsonBody(req, bodyLimitBytes);
    const created = resources.createdObject(body, request.resourceType);
    const isCloud = (cloud: string) => cloud === localName || identity?.serviceProviders.some((sp) => sp.id === cloud) === true;
    const match = typeof created?.name === 'string' ? splitQualifiedName(created.name, isCloud) : undefined;
    if (!created || !match) return undefined;
    const { name, cloud } = match;
    created.name = name; // in place: req.body holds it, and the forwarded request re-sends it
    if (cloud === localName) return { kind: 'local', reason: `the new name is qualified with the local cloud (@${localName})` };
    return { kind: 'remote', serviceProvider: cloud, reason: `the new name is qualified with @${cloud}` };
  };
}
