import { OpenStackError, selectEndpoint, type CatalogEntry, type EndpointInterface } from '@k2k/keystone';

/** Which endpoint of a service provider's catalog a request uses. */
export interface EndpointChoice {
  serviceType: string;
  interface: EndpointInterface;
  region?: string;
}

/**
 * Step 4: the endpoint at the service provider, from its scoped catalog by service type,
 * interface and region; 502 naming the SP and what it lacks when it has none.
 */
export function remoteEndpoint(catalog: readonly CatalogEntry[], choice: EndpointChoice, serviceProvider: string): URL {
  const endpoint = selectEndpoint(catalog, choice);
  if (!endpoint) {
    const where = choice.region ? ` in region ${choice.region}` : '';
    throw new OpenStackError(502, `Service provider ${serviceProvider} has no ${choice.serviceType} endpoint with interface ${choice.interface}${where}.`);
  }
  return new URL(endpoint.url);
}
