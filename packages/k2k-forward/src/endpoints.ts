import { OpenStackError, selectEndpoint, type CatalogEntry, type EndpointInterface } from '@k2k/keystone';

/** Which endpoint of a catalog a request uses. */
export interface EndpointChoice {
  serviceType: string;
  interface: EndpointInterface;
  region?: string;
}

/**
 * Step 4: the endpoint from a catalog (a service provider's scoped one, or the caller's own for a
 * passthrough target) by service type, interface and region; 502 naming whose catalog lacks what
 * when it has none. `owner` begins the message: 'Service provider sp1'.
 */
export function catalogEndpoint(catalog: readonly CatalogEntry[], choice: EndpointChoice, owner: string): URL {
  const endpoint = selectEndpoint(catalog, choice);
  if (!endpoint) {
    const where = choice.region ? ` in region ${choice.region}` : '';
    throw new OpenStackError(502, `${owner} has no ${choice.serviceType} endpoint with interface ${choice.interface}${where}.`);
  }
  return new URL(endpoint.url);
}
