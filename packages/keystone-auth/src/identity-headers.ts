import type { IncomingMessage } from 'node:http';
import { IDENTITY_HEADERS, type CatalogEntry, type KeystoneIdentity, type ServiceIdentity } from '@k2k/common';

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
  assign(req, identityHeaders(identity, includeCatalog));
}

type HeaderList = readonly (readonly [string, string])[];

/**
 * Each identity's headers, written once: a cached identity is the same (frozen) object for a
 * while, and this runs on every request. One list per includeCatalog setting.
 */
const identityHeaderLists = [new WeakMap<KeystoneIdentity, HeaderList>(), new WeakMap<KeystoneIdentity, HeaderList>()];

function identityHeaders(identity: KeystoneIdentity, includeCatalog: boolean): HeaderList {
  const lists = identityHeaderLists[includeCatalog ? 1 : 0];
  let list = lists.get(identity);
  if (list === undefined) lists.set(identity, (list = writeIdentityHeaders(identity, includeCatalog)));
  return list;
}

function writeIdentityHeaders(identity: KeystoneIdentity, includeCatalog: boolean): HeaderList {
  const list: [string, string][] = principalHeaders('x-', identity);
  if (identity.domain) list.push(['x-domain-id', identity.domain.id], ['x-domain-name', identity.domain.name]);
  if (identity.system) list.push(['openstack-system-scope', 'all']);
  list.push(['x-is-admin-project', identity.isAdminProject ? 'True' : 'False']);
  // The deprecated names keystonemiddleware still sets, for services that still read them.
  list.push(['x-user', identity.user.name], ['x-role', identity.roles.join(',')]);
  if (identity.project) list.push(['x-tenant-id', identity.project.id], ['x-tenant-name', identity.project.name], ['x-tenant', identity.project.name]);
  if (includeCatalog && identity.catalog.length > 0) list.push(['x-service-catalog', JSON.stringify(v2Catalog(identity.catalog))]);
  return list;
}

function assign(req: IncomingMessage, list: HeaderList): void {
  const headers = req.headers;
  for (const [name, value] of list) headers[name] = value;
}

/** Marks the request unauthenticated (delayed auth decision: the service decides). */
export function setInvalidIdentity(req: IncomingMessage): void {
  req.headers['x-identity-status'] = 'Invalid';
}

/** Sets the X-Service-* headers for a confirmed service token. */
export function setServiceHeaders(req: IncomingMessage, service: ServiceIdentity): void {
  assign(req, principalHeaders('x-service-', service));
}

/** The headers a user token and a service token share, under `x-` or `x-service-`. */
function principalHeaders(prefix: 'x-' | 'x-service-', principal: ServiceIdentity): [string, string][] {
  const list: [string, string][] = [
    [`${prefix}identity-status`, 'Confirmed'],
    [`${prefix}user-id`, principal.user.id],
    [`${prefix}user-name`, principal.user.name],
    [`${prefix}user-domain-id`, principal.user.domain.id],
    [`${prefix}user-domain-name`, principal.user.domain.name],
  ];
  if (principal.project) {
    list.push(
      [`${prefix}project-id`, principal.project.id],
      [`${prefix}project-name`, principal.project.name],
      [`${prefix}project-domain-id`, principal.project.domain.id],
      [`${prefix}project-domain-name`, principal.project.domain.name],
    );
  }
  list.push([`${prefix}roles`, principal.roles.join(',')]);
  return list;
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
