import { malformed } from './keystone-errors.js';
import { parseJson, type HttpAnswer, type HttpCall, type Transport } from './transport.js';

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

type Raw = Record<string, unknown>;

/**
 * Keystone v3's catalog administration (regions, services, endpoints) with one token, which
 * Keystone's default policy wants to carry the admin role for everything but reading regions.
 * Refusals are KeystoneErrors with Keystone's status and message (404 "Could not find region: x.",
 * 409 for a duplicate region id, 403 for a region that still has endpoints).
 */
export class CatalogAdmin {
  constructor(
    private readonly transport: Transport,
    private readonly authUrl: string,
    private readonly token: string,
  ) {}

  async listRegions(): Promise<KeystoneRegion[]> {
    return (await this.list('regions', '')).map(region);
  }

  /** POST /v3/regions with the id wanted (Keystone takes one in the body). */
  async createRegion(wanted: { id: string; description: string }): Promise<KeystoneRegion> {
    return region(await this.create('regions', 'region', wanted));
  }

  deleteRegion(id: string): Promise<void> {
    return this.remove('regions', id);
  }

  async listServices(filter: { type?: string } = {}): Promise<KeystoneService[]> {
    return (await this.list('services', query({ type: filter.type }))).map(service);
  }

  async createService(wanted: { type: string; name: string; description: string }): Promise<KeystoneService> {
    return service(await this.create('services', 'service', { ...wanted, enabled: true }));
  }

  /** Keystone deletes the service's endpoints with it. */
  deleteService(id: string): Promise<void> {
    return this.remove('services', id);
  }

  async listEndpoints(filter: EndpointListFilter = {}): Promise<KeystoneEndpoint[]> {
    return (await this.list('endpoints', query({ service_id: filter.serviceId, region_id: filter.regionId, interface: filter.interface }))).map(endpoint);
  }

  async createEndpoint(wanted: { serviceId: string; regionId: string; interface: string; url: string }): Promise<KeystoneEndpoint> {
    const body = { service_id: wanted.serviceId, region_id: wanted.regionId, interface: wanted.interface, url: wanted.url, enabled: true };
    return endpoint(await this.create('endpoints', 'endpoint', body));
  }

  deleteEndpoint(id: string): Promise<void> {
    return this.remove('endpoints', id);
  }

  private async list(collection: string, search: string): Promise<Raw[]> {
    const url = `${this.authUrl}/${collection}${search}`;
    const answer = await this.call({ method: 'GET', url });
    const items = parseJson<Raw>(answer, url, `the ${collection} list`)[collection];
    if (!Array.isArray(items)) throw malformed(url, `no "${collection}" list`);
    return items as Raw[];
  }

  private async create(collection: string, member: string, body: object): Promise<Raw> {
    const url = `${this.authUrl}/${collection}`;
    const answer = await this.call({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [member]: body }) });
    const created = parseJson<Raw>(answer, url, `the new ${member}`)[member];
    if (typeof created !== 'object' || created === null) throw malformed(url, `no "${member}" object`);
    return created as Raw;
  }

  private async remove(collection: string, id: string): Promise<void> {
    await this.call({ method: 'DELETE', url: `${this.authUrl}/${collection}/${encodeURIComponent(id)}` });
  }

  private call(call: HttpCall): Promise<HttpAnswer> {
    return this.transport.call({ ...call, headers: { ...call.headers, 'x-auth-token': this.token }, secrets: [this.token] });
  }
}

function query(filters: Record<string, string | undefined>): string {
  const given = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return given.length === 0 ? '' : `?${new URLSearchParams(given).toString()}`;
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

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
