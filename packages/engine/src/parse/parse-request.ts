import { OpenStackError } from '@k2k/common';
import { segmentFault } from './path-segment.js';
import { isCollectionLevel, withoutFormatSuffix } from './url-grammar.js';

/** An OpenStack API call, taken apart (step 1 of a request's journey). */
export interface ApiRequest {
  method: string;
  /** Segments before the version, for endpoints behind a path prefix ('' usually) */
  prefix: string;
  /** The API version segment: 'v3', 'v2.1', 'v2.0'... */
  version?: string;
  /** The project id segment after the version, when the API has one (Cinder, old Nova) */
  projectId?: string;
  /** e.g. 'volumes', 'images' */
  resourceType?: string;
  /** The resource's id (decoded; without its qualifier once splitQualifiedId took it off); absent for collections and their collection-level paths ('detail', Cinder's 'volumes/summary', 'groups/action': url-grammar.ts) */
  resourceId?: string;
  /** The cloud named by an `<id>@<cloud>` resource id: a service provider id, or the local cloud's name (set by splitQualifiedId) */
  qualifier?: string;
  /** What follows the id: 'action', 'file', 'metadata/key'... */
  action?: string;
  /** Everything after version and project id, e.g. '/volumes/42/action' */
  rest: string;
  /** The resource itself below version and project id, e.g. '/volumes/42' (what a search probes) */
  resourcePath?: string;
  /** The whole path, checked: '/v3/<project>/volumes/42/action' */
  path: string;
  /** The query string with its '?', or '' */
  query: string;
}

const VERSION = /^v\d+(\.\d+)?$/;
const PROJECT_ID = /^[0-9a-f]{32}$/;

/**
 * Parses a request target. A segment after the version is the project id when it is the caller's
 * project id or looks like a Keystone id (32 hex digits). Throws 400 for a target that is not a
 * plain absolute path, which could name another host or escape the endpoint it is forwarded to:
 * absolute form ('http://host/...'), '//host', empty segments, and any segment path-segment.ts
 * refuses (dot segments, encoded slashes and backslashes, control characters). A trailing slash
 * is fine. The id's `@<cloud>` qualifier is left in: only the service's resource types take one
 * (splitQualifiedId), other paths (Cinder's 'os-hosts/<host>@<backend>') keep their '@'. The second
 * segment under a resource type is its id unless `serviceType`'s URL grammar says it names the
 * collection (url-grammar.ts; undefined: what any service's does). A `.json` format suffix on the
 * last segment, where the service takes one (Neutron), is left out of the resource type and id.
 */
export function parseApiRequest(method: string, url: string, callerProjectId?: string, serviceType?: string): ApiRequest {
  const queryAt = url.indexOf('?');
  const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);
  if (!rawPath.startsWith('/')) throw new OpenStackError(400, 'The request target must be a path starting with "/".');
  const segments = rawPath.slice(1).split('/');
  const last = segments.length - 1;
  let versionAt = -1;
  for (let i = 0; i <= last; i++) {
    assertSafe(segments[i], i === last);
    if (versionAt < 0 && VERSION.test(segments[i])) versionAt = i;
  }
  if (versionAt < 0) return { method, prefix: '', rest: rawPath, path: rawPath, query };

  let next = versionAt + 1;
  const candidate = segments[next];
  const projectId = candidate !== undefined && (candidate === callerProjectId || PROJECT_ID.test(candidate)) ? candidate : undefined;
  if (projectId) next++;
  // The last segment's format suffix (`networks.json`, `<id>.json`) is no part of the type or the id; the paths sent keep it.
  const bare = (at: number): string | undefined => (at === last ? withoutFormatSuffix(serviceType, segments[at] as string) : segments[at]);
  const resourceType: string | undefined = bare(next);
  const second: string | undefined = bare(next + 1);
  const isId = resourceType !== undefined && second !== undefined && second !== '' && !isCollectionLevel(serviceType, resourceType, second);
  const request: ApiRequest = { method, prefix: join(segments, 0, versionAt), version: segments[versionAt], rest: join(segments, next, segments.length), path: rawPath, query };
  if (projectId) request.projectId = projectId;
  if (resourceType) request.resourceType = resourceType;
  if (isId) {
    request.resourceId = decodeURIComponent(second);
    request.resourcePath = `/${resourceType}/${second}`;
    if (segments.length > next + 2) request.action = segments.slice(next + 2).join('/');
  }
  return request;
}

/** `/a/b...` for segments[from..to): the path they came from (this runs on every request, so no intermediate arrays). */
function join(segments: readonly string[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `/${segments[i]}`;
  return text;
}

function assertSafe(segment: string, last: boolean): void {
  if (segment === '') {
    if (last) return;
    throw new OpenStackError(400, 'The request path may not contain empty segments ("//").');
  }
  // Without a '%' there is nothing to decode (most segments: this runs on every request).
  let decoded = segment;
  if (segment.includes('%')) {
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new OpenStackError(400, 'The request path is not valid percent-encoding.');
    }
  }
  const fault = segmentFault(decoded);
  if (fault) throw new OpenStackError(400, `The request path segment ${JSON.stringify(segment)} ${fault}: a path may not contain dot segments, encoded slashes or backslashes, or control characters.`);
}
