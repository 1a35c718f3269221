import type { SimRequest } from '../sim-server.js';

/** Cinder (Zed)'s microversions */
export const MIN_VERSION = '3.0';
export const MAX_VERSION = '3.70';

/**
 * What Cinder puts on every answer of its v3 API, errors included: the microversion it served as
 * `OpenStack-API-Version: volume 3.x` (the one asked for; `latest` is its newest; none asked, its
 * oldest), and `Vary: OpenStack-API-Version`.
 */
export function echoMicroversion(request: SimRequest): void {
  const asked = request.req.headers['openstack-api-version'];
  const version = typeof asked === 'string' ? /^\s*volume\s+(latest|\d+\.\d+)\s*$/i.exec(asked)?.[1] : undefined;
  request.res.setHeader('openstack-api-version', `volume ${version === undefined ? MIN_VERSION : version.toLowerCase() === 'latest' ? MAX_VERSION : version}`);
  request.res.setHeader('vary', 'OpenStack-API-Version');
}
