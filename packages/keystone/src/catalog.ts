import type { CatalogEndpoint, CatalogEntry, EndpointInterface } from '@k2k/common';
import { serviceTypeCandidates } from './service-types.js';

export interface EndpointQuery {
  /** Official type or any alias: 'block-storage', 'volumev3', 'volume'... */
  serviceType: string;
  /** 'public' (default), 'internal', 'admin', or the v2 style 'publicURL', 'internalURL', 'adminURL' */
  interface?: string;
  /** Region id or name; when absent, the first region that has the service */
  region?: string;
}

/** An endpoint with the catalog entry it came from. */
export interface SelectedEndpoint extends CatalogEndpoint {
  serviceType: string;
  serviceId: string;
  serviceName: string;
}

const INTERFACES: readonly EndpointInterface[] = ['public', 'internal', 'admin'];

/** 'publicURL' -> 'public'; undefined for anything that is not an interface. */
export function normalizeInterface(value: string): EndpointInterface | undefined {
  const name = value.trim().toLowerCase().replace(/url$/, '');
  return INTERFACES.find((known) => known === name);
}

/**
 * The endpoint for a service type (aliases honoured, the official type first), interface and
 * region; undefined when the catalog has none.
 */
export function selectEndpoint(catalog: readonly CatalogEntry[], query: EndpointQuery): SelectedEndpoint | undefined {
  const wanted = normalizeInterface(query.interface ?? 'public');
  if (!wanted) return undefined;
  for (const type of serviceTypeCandidates(query.serviceType)) {
    const found = filterEndpoints(catalog, { serviceType: type, interface: wanted }).find(
      (endpoint) => query.region === undefined || endpoint.regionId === query.region || endpoint.region === query.region,
    );
    if (found) return found;
  }
  return undefined;
}

/** Endpoint filter attributes, as in Keystone's endpoint-group spec; every given one must match. */
export interface EndpointFilter {
  serviceId?: string;
  serviceType?: string;
  regionId?: string;
  interface?: string;
}

/** Every endpoint matching all the filter's attributes (an empty filter matches all). */
export function filterEndpoints(catalog: readonly CatalogEntry[], filter: EndpointFilter): SelectedEndpoint[] {
  const wantedInterface = filter.interface === undefined ? undefined : (normalizeInterface(filter.interface) ?? filter.interface);
  return catalog.flatMap((entry) =>
    entry.endpoints
      .filter(
        (endpoint) =>
          (filter.serviceId === undefined || entry.id === filter.serviceId) &&
          (filter.serviceType === undefined || entry.type === filter.serviceType) &&
          (filter.regionId === undefined || endpoint.regionId === filter.regionId) &&
          (wantedInterface === undefined || endpoint.interface === wantedInterface),
      )
      .map((endpoint) => ({ ...endpoint, serviceType: entry.type, serviceId: entry.id, serviceName: entry.name })),
  );
}
