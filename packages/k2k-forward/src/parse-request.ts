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
  /** The query string with its '?', or '' */
  query: string;
}

const VERSION = /^v\d+(\.\d+)?$/;
const PROJECT_ID = /^[0-9a-f]{32}$/;
const LIST_VARIANTS = new Set(['detail']);

/**
 * Parses a request path. A segment after the version is the project id when it is the caller's
 * project id or looks like a Keystone id (32 hex digits). Throws 400 for a path that could escape
 * the endpoint it is forwarded to: dot segments, or encoded slashes and backslashes.
 */
export function parseRequestPath(url: string, callerProjectId?: string): ParsedPath {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);
  const segments = path.split('/').slice(1);
  for (const segment of segments) assertSafe(segment);

  const versionAt = segments.findIndex((segment) => VERSION.test(segment));
  if (versionAt < 0) return { prefix: '', rest: path, query };
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
    query,
  };
}

function assertSafe(segment: string): void {
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
