import { AdminSession, query, text, type Raw } from './admin-session.js';
import type { Transport } from './transport.js';

/** A region of Keystone's catalog (GET /v3/regions). */
export interface KeystoneRegion {
  id: string;
  description: string;
  parentRegionId: string | null;
}

/** A service of Keystone's catalog (GET /v3/services). */
export interface KeystoneService {
  id: string;
  type: string;
  name: string;
  description: string;
  enabled: boolean;
}

/** An endpoint of Keystone's catalog (GET /v3/endpoints), its URL as registered (`%(project_id)s` unsubstituted). */
export interface KeystoneEndpoint {
  id: string;
  serviceId: string;
  regionId: string | null;
  interface: string;
  url: string;
  enabled: boolean;
}

export interface EndpointListFilter {
  serviceId?: string;
  regionId?: string;
  interface?: string;
}

/**
 * Keystone v3's catalog administration (regions, services, endpoints) with one token, which
 * Keystone's default policy wants to carry the admin role for everything but reading regions.
 * Refusals are KeystoneErrors with Keystone's status and message (404 "Could not find region: x.",
 * 409 for a duplicate region id, 403 for a region that still has endpoints).
 */
export class CatalogAdmin {
  private readonly session: AdminSession;

  constructor(transport: Transport, authUrl: string, token: string) {
    this.session = new AdminSession(transport, authUrl, token);
  }

  async listRegions(): Promise<KeystoneRegion[]> {
    return (await this.session.list('regions', '')).map(region);
  }

  /** POST /v3/regions with the id wanted (Keystone takes one in the body). */
  async createRegion(wanted: { id: string; description: string }): Promise<KeystoneRegion> {
    return region(await this.session.write('POST', 'regions', 'region', wanted));
  }

  deleteRegion(id: string): Promise<void> {
    return this.session.act('DELETE', `regions/${encodeURIComponent(id)}`);
  }

  async listServices(filter: { type?: string } = {}): Promise<KeystoneService[]> {
    return (await this.session.list('services', query({ type: filter.type }))).map(service);
  }

  async createService(wanted: { type: string; name: string; description: string }): Promise<KeystoneService> {
    return service(await this.session.write('POST', 'services', 'service', { ...wanted, enabled: true }));
  }

  /** Keystone deletes the service's endpoints with it. */
  deleteService(id: string): Promise<void> {
    return this.session.act('DELETE', `services/${encodeURIComponent(id)}`);
  }

  async listEndpoints(filter: EndpointListFilter = {}): Promise<KeystoneEndpoint[]> {
    return (await this.session.list('endpoints', query({ service_id: filter.serviceId, region_id: filter.regionId, interface: filter.interface }))).map(endpoint);
  }

  async createEndpoint(wanted: { serviceId: string; regionId: string; interface: string; url: string }): Promise<KeystoneEndpoint> {
    const body = { service_id: wanted.serviceId, region_id: wanted.regionId, interface: wanted.interface, url: wanted.url, enabled: true };
    return endpoint(await this.session.write('POST', 'endpoints', 'endpoint', body));
  }

  deleteEndpoint(id: string): Promise<void> {
    return this.session.act('DELETE', `endpoints/${encodeURIComponent(id)}`);
  }
}

function region(raw: Raw): KeystoneRegion {
  return { id: text(raw.id), description: text(raw.description), parentRegionId: typeof raw.parent_region_id === 'string' ? raw.parent_region_id : null };
}

function service(raw: Raw): KeystoneService {
  return { id: text(raw.id), type: text(raw.type), name: text(raw.name), description: text(raw.description), enabled: raw.enabled !== false };
}

function endpoint(raw: Raw): KeystoneEndpoint {
  return {
    id: text(raw.id),
    serviceId: text(raw.service_id),
    regionId: typeof raw.region_id === 'string' ? raw.region_id : null,
    interface: text(raw.interface),
    url: text(raw.url),
    enabled: raw.enabled !== false,
  };
}
