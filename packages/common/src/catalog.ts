/** A token's service catalog as Keystone v3 gives it (the endpoint selection on it is in @k2k/keystone). */

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CatalogEndpoint {
  id: string;
  interface: string;
  /** The region's name as the catalog gives it */
  region: string;
  regionId: string;
  url: string;
}

export interface CatalogEntry {
  /** The service's id */
  id: string;
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}
