import { OpenStackError } from '@k2k/keystone';

/** An OpenStack API path, taken apart (step 1 of a request's journey). */
export interface ParsedPath {
  /** Segments before the version, for endpoints behind a path prefix ('' usually) */
  prefix: string;
  /** The API version segment: 'v3', 'v2.1', 'v2.0'... */
  version?: string;
  /** The project id segment after the version, when the API has one (Cinder, old Nova) */
  projectId?: string;
  /** e.g. 'volumes', 'images' */
  resourceType?: string;
  /** The resource's id; absent for collections and their 'detail' lists */
  resourceId?: string;
  /** What follows the id: 'action', 'file', 'metadata/key'... */
  action?: string;
  /** Everything after version and project id, e.g. '/volumes/42/action' */
  rest: string;
  /** The whole path, checked: a plain absolute path, e.g. '/v3/<project>/volumes/42/action' */
  path: string;
  /** The query string with its '?', or '' */
  query: string;
}

const VERSION = /^v\d+(\.\d+)?$/;
const PROJECT_ID = /^[0-9a-f]{32}$/;
const LIST_VARIANTS = new Set(['detail']);

/**
 * Parses a request target. A segment after the version is the project id when it is the caller's
 * project id or looks like a Keystone id (32 hex digits). Throws 400 for a target that is not a
 * plain absolute path, which could name another host or escape the endpoint it is forwarded to:
 * absolute form ('http://host/...'), '//host', empty segments, dot segments, encoded slashes and
 * backslashes. A trailing slash is fine.
 */
export function parseRequestPath(url: string, callerProjectId?: string): ParsedPath {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);
  if (!path.startsWith('/')) throw new OpenStackError(400, 'The request target must be a path starting with "/".');
  const segments = path.split('/').slice(1);
  segments.forEach((segment, i) => assertSafe(segment, i === segments.length - 1));

  const versionAt = segments.findIndex((segment) => VERSION.test(segment));
  if (versionAt < 0) return { prefix: '', rest: path, path, query };
  let next = versionAt + 1;
  const candidate = segments[next];
  const projectId = candidate !== undefined && (candidate === callerProjectId || PROJECT_ID.test(candidate)) ? candidate : undefined;
  if (projectId) next++;
  const [resourceType, second, ...action] = segments.slice(next);
  const isId = second !== undefined && second !== '' && !LIST_VARIANTS.has(second);
  return {
    prefix: segments.slice(0, versionAt).map((s) => `/${s}`).join(''),
    version: segments[versionAt],
    ...(projectId && { projectId }),
    ...(resourceType && { resourceType }),
    ...(isId && { resourceId: decodeURIComponent(second) }),
    ...(isId && action.length > 0 && { action: action.join('/') }),
    rest: segments.slice(next).map((s) => `/${s}`).join(''),
    path,
    query,
  };
}

function assertSafe(segment: string, last: boolean): void {
  if (segment === '' && !last) throw new OpenStackError(400, 'The request path may not contain empty segments ("//").');
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new OpenStackError(400, 'The request path is not valid percent-encoding.');
  }
  if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) {
    throw new OpenStackError(400, 'The request path may not contain dot segments or encoded slashes.');
  }
}
