import { OpenStackError, selectEndpoint, type CatalogEntry, type EndpointInterface } from '@k2k/keystone';
import type { ParsedPath } from './parse-request.js';
import { composeUpstreamUrl } from './upstream-url.js';

const VERSION_SEGMENT = /\/v\d+(\.\d+)?(\/|$)/;

export interface EndpointChoice {
  serviceType: string;
  interface: EndpointInterface;
  region?: string;
}

/**
 * Step 4: the URL at the service provider. The endpoint comes from the remote scoped catalog; the
 * request's path below its local base (version, project) goes below the remote endpoint's base,
 * with the remote project id in place of the local one. An endpoint without a version in its
 * path (Glance's usually) gets the request's version.
 */
export function remoteUrl(catalog: readonly CatalogEntry[], choice: EndpointChoice, parsed: ParsedPath, remoteProjectId: string, serviceProvider: string): URL {
  const endpoint = selectEndpoint(catalog, choice);
  if (!endpoint) {
    const where = choice.region ? ` in region ${choice.region}` : '';
    throw new OpenStackError(502, `Service provider ${serviceProvider} has no ${choice.serviceType} endpoint with interface ${choice.interface}${where}.`);
  }
  const base = new URL(endpoint.url);
  let path = base.pathname.replace(/\/+$/, '');
  if (parsed.version === undefined) {
    path += parsed.rest; // an unversioned call (version discovery): below the endpoint's root
  } else {
    if (!VERSION_SEGMENT.test(`${path}/`)) path += `/${parsed.version}`;
    if (parsed.projectId && !path.endsWith(`/${remoteProjectId}`)) path += `/${remoteProjectId}`;
    path += parsed.rest;
  }
  return composeUpstreamUrl(base, path, parsed.query);
}
