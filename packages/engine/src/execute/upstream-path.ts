import { pathSegment } from '../parse/path-segment.js';
import type { ApiRequest } from '../parse/parse-request.js';

const VERSION_SEGMENT = /\/v\d+(\.\d+)?(\/|$)/;

/**
 * An endpoint's root: its path before any version segment, without a trailing slash
 * ('/volume/v3/<project>' -> '/volume', '/v3/<project>' -> '', '' -> '').
 */
export function endpointRoot(endpointPath: string): string {
  const base = endpointPath.replace(/\/+$/, '');
  const version = VERSION_SEGMENT.exec(base);
  return version ? base.slice(0, version.index) : base;
}

/**
 * The path of a request at an endpoint (steps 4 and 5), for the local service and for service
 * providers alike: below the endpoint's root go the request's version, the project id of the
 * cloud the request goes to (when the request names one) and the rest. An unversioned request
 * (version discovery) goes to the endpoint's root. `rest` defaults to the request's own; a search
 * probe passes the resource's path. Every segment put in follows the request-path rules (path-segment.ts).
 */
export function upstreamPath(endpointPath: string, request: ApiRequest, projectId: string | undefined, rest = request.rest): string {
  const root = endpointRoot(endpointPath);
  if (request.version === undefined) return `${root}${request.path}`;
  // The caller's own project id passed the request-path rules; another cloud's comes from its Keystone.
  const project = request.projectId ? `/${projectId === undefined ? request.projectId : pathSegment(projectId, "The service provider's project id", 502)}` : '';
  return `${root}${request.prefix}/${request.version}${project}${rest}`;
}
