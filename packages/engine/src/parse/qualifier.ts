import { OpenStackError } from '@k2k/common';
import type { ApiRequest } from './parse-request.js';
import { segmentFault } from './path-segment.js';
import type { ResourceTypes } from '../learn/resource-types.js';

/**
 * A cloud as a qualifier names it: a service provider id or the local cloud's name, 1 to 64 of the
 * characters a URL carries as they are (Keystone takes any 64 characters for an SP id; one outside
 * these is reached with the SERVICE-PROVIDER header instead).
 */
const CLOUD_NAME = /^[A-Za-z0-9._~-]{1,64}$/;
/** The qualifier's '@' in a raw path segment, as sent or percent-encoded */
const AT = /@|%40/i;
const GRAMMAR = 'a qualified id is <id>@<cloud>: one "@", the id before it, and after it a service provider id or the local cloud\'s name (1 to 64 of A-Z a-z 0-9 . _ ~ -)';

/**
 * Rule 2's `<id>@<cloud>` taken off a request's resource id (step 1, before any rule routes it):
 * `qualifier` names the cloud, and the id, path and probe path go on bare, so no qualifier ever
 * reaches a cloud. Only the resource types the service learns and searches take a qualifier;
 * any other path keeps its '@' (Cinder's 'capabilities/<host>@<backend>#<pool>'). An '@' in such
 * an id that is not exactly one well-formed qualifier is 400 naming it, before any cloud is asked.
 */
export function splitQualifiedId(request: ApiRequest, resources: ResourceTypes): ApiRequest {
  const { resourceId, resourceType, resourcePath } = request;
  if (resourceId === undefined || resourcePath === undefined || !resources.has(resourceType) || !resourceId.includes('@')) return request;
  const at = resourceId.indexOf('@');
  const [id, cloud] = [resourceId.slice(0, at), resourceId.slice(at + 1)];
  const fault = idFault(id) ?? cloudFault(cloud);
  if (fault) throw new OpenStackError(400, `Malformed qualifier ${JSON.stringify(resourceId.slice(at))} in the resource id ${JSON.stringify(resourceId)}: ${fault}; ${GRAMMAR}.`);
  // The raw segment up to its '@' keeps the id's encoding as the client sent it.
  const segmentAt = resourceType.length + 2;
  const segment = resourcePath.slice(segmentAt);
  const bare = `/${resourceType}/${segment.slice(0, (AT.exec(segment) as RegExpExecArray).index)}`;
  const rest = `${bare}${request.rest.slice(resourcePath.length)}`;
  return { ...request, resourceId: id, qualifier: cloud, resourcePath: bare, rest, path: `${request.path.slice(0, request.path.length - request.rest.length)}${rest}` };
}

/**
 * Rule 2's `<name>@<cloud>` in a create's name: the cloud and the bare name, or undefined when the
 * name is free text ('backup@home', 'me@example.org'): no '@', or what follows the last '@' is no
 * cloud the caller can use. A qualifier that names one, but with no name before it, a second
 * qualifier or a doubled '@' ('@sp1', 'a@sp1@sp2', 'a@@sp1'), or a name that ends in '@' is 400 naming it.
 */
export function splitQualifiedName(name: string, isCloud: (cloud: string) => boolean): { name: string; cloud: string } | undefined {
  const at = name.lastIndexOf('@');
  if (at < 0) return undefined;
  const [bare, cloud] = [name.slice(0, at), name.slice(at + 1)];
  if (cloud !== '' && !isCloud(cloud)) return undefined;
  const previous = bare.lastIndexOf('@');
  const doubled = previous >= 0 && (previous === bare.length - 1 || isCloud(bare.slice(previous + 1)));
  const fault = cloud === '' ? 'the cloud after "@" is empty' : bare === '' ? 'the name before "@" is empty' : doubled ? 'it names a cloud twice' : undefined;
  if (fault) throw new OpenStackError(400, `Malformed qualifier ${JSON.stringify(name.slice(doubled ? previous : at))} in the new name ${JSON.stringify(name)}: ${fault}; a qualified name is <name>@<cloud>, a service provider id or the local cloud's name after the last "@".`);
  return { name: bare, cloud };
}

function idFault(id: string): string | undefined {
  const fault = segmentFault(id);
  return fault && `the id before "@" ${fault}`;
}

function cloudFault(cloud: string): string | undefined {
  if (cloud.includes('@')) return 'it has more than one "@"';
  if (cloud === '') return 'the cloud after "@" is empty';
  return CLOUD_NAME.test(cloud) ? undefined : 'the cloud after "@" is no service provider id or cloud name';
}
