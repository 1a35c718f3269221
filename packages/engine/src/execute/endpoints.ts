import { selectEndpoint } from '@k2k/keystone';
import { OpenStackError, type CatalogEntry, type EndpointInterface } from '@k2k/common';

/** Which endpoint of a catalog a request uses. */
export interface EndpointChoice {
  serviceType: string;
  interface: EndpointInterface;
  region?: string;
}

/**
 * Step 4: the endpoint from a catalog (a service provider's scoped one, or the caller's own for a
 * passthrough target) by service type, interface and region. A scoped catalog is what that cloud's
 * endpoint groups leave the caller's project, so one lacking the endpoint is the caller's limit,
 * not a fault: 403 naming whose catalog lacks what. `owner` begins the message: 'Service provider sp1'.
 */
export function catalogEndpoint(catalog: readonly CatalogEntry[], choice: EndpointChoice, owner: string): URL {
  const endpoint = selectEndpoint(catalog, choice);
  if (!endpoint) {
    const where = choice.region ? ` in region ${choice.region}` : '';
    throw new OpenStackError(403, `${owner} has no ${choice.serviceType} endpoint with interface ${choice.interface}${where} for your project.`);
  }
  return new URL(endpoint.url);
}
