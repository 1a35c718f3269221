import type { IncomingMessage } from 'node:http';
import { IDENTITY_HEADERS, type CatalogEntry, type KeystoneIdentity, type ServiceIdentity } from '@k2k/keystone';

const IDENTITY_HEADER_SET: ReadonlySet<string> = new Set(IDENTITY_HEADERS);

/**
 * Removes every identity header a caller may have sent (spoofing), also spelled with underscores:
 * WSGI servers map both `X-Roles` and `X_Roles` to HTTP_X_ROLES, so a Python service behind would
 * read `X_Roles` as X-Roles. Node gives header names in lower case. One pass over the headers that
 * came, rather than a delete per identity header: this runs on every request.
 */
export function removeIdentityHeaders(req: IncomingMessage): void {
  const headers = req.headers;
  for (const name of Object.keys(headers)) {
    if (IDENTITY_HEADER_SET.has(name.includes('_') ? name.replaceAll('_', '-') : name)) delete headers[name];
  }
}

/** Sets the user's identity headers, as keystonemiddleware does. */
export function setIdentityHeaders(req: IncomingMessage, identity: KeystoneIdentity, includeCatalog: boolean): void {
  setPrincipalHeaders(req, 'x-', identity);
  const headers = req.headers;
  if (identity.domain) {
    headers['x-domain-id'] = identity.domain.id;
    headers['x-domain-name'] = identity.domain.name;
  }
  if (identity.system) headers['openstack-system-scope'] = 'all';
  headers['x-is-admin-project'] = identity.isAdminProject ? 'True' : 'False';
  setDeprecatedHeaders(req, identity);
  if (includeCatalog && identity.catalog.length > 0) headers['x-service-catalog'] = serviceCatalogHeader(identity.catalog);
}

/** Each catalog's header text: a cached identity is the same object for a while, so it is written once. */
const catalogHeaders = new WeakMap<readonly CatalogEntry[], string>();

function serviceCatalogHeader(catalog: readonly CatalogEntry[]): string {
  let text = catalogHeaders.get(catalog);
  if (text === undefined) catalogHeaders.set(catalog, (text = JSON.stringify(v2Catalog(catalog))));
  return text;
}

/** The deprecated names keystonemiddleware still sets, for services that still read them. */
function setDeprecatedHeaders(req: IncomingMessage, identity: KeystoneIdentity): void {
  const headers = req.headers;
  headers['x-user'] = identity.user.name;
  headers['x-role'] = identity.roles.join(',');
  if (identity.project) {
    headers['x-tenant-id'] = identity.project.id;
    headers['x-tenant-name'] = identity.project.name;
    headers['x-tenant'] = identity.project.name;
  }
}

/** Marks the request unauthenticated (delayed auth decision: the service decides). */
export function setInvalidIdentity(req: IncomingMessage): void {
  req.headers['x-identity-status'] = 'Invalid';
}

/** Sets the X-Service-* headers for a confirmed service token. */
export function setServiceHeaders(req: IncomingMessage, service: ServiceIdentity): void {
  setPrincipalHeaders(req, 'x-service-', service);
}

/** The headers a user token and a service token share, under `x-` or `x-service-`. */
function setPrincipalHeaders(req: IncomingMessage, prefix: 'x-' | 'x-service-', principal: ServiceIdentity): void {
  const headers = req.headers;
  headers[`${prefix}identity-status`] = 'Confirmed';
  headers[`${prefix}user-id`] = principal.user.id;
  headers[`${prefix}user-name`] = principal.user.name;
  headers[`${prefix}user-domain-id`] = principal.user.domain.id;
  headers[`${prefix}user-domain-name`] = principal.user.domain.name;
  if (principal.project) {
    headers[`${prefix}project-id`] = principal.project.id;
    headers[`${prefix}project-name`] = principal.project.name;
    headers[`${prefix}project-domain-id`] = principal.project.domain.id;
    headers[`${prefix}project-domain-name`] = principal.project.domain.name;
  }
  headers[`${prefix}roles`] = principal.roles.join(',');
}

export function setInvalidService(req: IncomingMessage): void {
  req.headers['x-service-identity-status'] = 'Invalid';
}

/**
 * keystonemiddleware puts the catalog in X-Service-Catalog in the v2 format services expect:
 * per service, one entry per region with publicURL / internalURL / adminURL.
 */
function v2Catalog(catalog: readonly CatalogEntry[]): unknown[] {
  return catalog.map((service) => {
    const regions = new Map<string, Record<string, string>>();
    for (const endpoint of service.endpoints) {
      const entry = regions.get(endpoint.regionId) ?? { region: endpoint.regionId };
      entry[`${endpoint.interface}URL`] = endpoint.url;
      regions.set(endpoint.regionId, entry);
    }
    return { type: service.type, name: service.name, endpoints: [...regions.values()] };
  });
}
