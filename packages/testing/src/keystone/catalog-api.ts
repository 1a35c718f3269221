import { readJsonObject, sendJson, type Route, type SimRequest } from '../sim-server.js';
import type { Catalog, SimEndpoint, SimRegion, SimService } from './catalog.js';
import { newId } from './ids.js';
import type { TokenRecord } from './tokens.js';

/** What the catalog API needs from its Keystone: who calls, whether they hold the admin role, how to refuse. */
export interface CatalogApiHost {
  /** Its v3 URL, for the links of what it lists */
  authUrl(): string;
  /** The caller's token, or undefined once a 401 has been answered */
  caller(request: SimRequest): TokenRecord | undefined;
  isAdmin(token: TokenRecord): boolean;
  fail(request: SimRequest, status: number, message: string): void;
}

/** Whether the caller holds the admin role (Keystone's default policy for `action`); otherwise the 401 or 403 is answered. */
export function adminCaller(host: CatalogApiHost, request: SimRequest, action: string): boolean {
  const caller = host.caller(request);
  if (!caller) return false;
  if (host.isAdmin(caller)) return true;
  host.fail(request, 403, `You are not authorized to perform the requested action: identity:${action}.`);
  return false;
}

const INTERFACES = ['admin', 'internal', 'public'];
const ID = '(?<id>[^/]+)';

/**
 * Keystone v3's catalog administration as Zed answers it: regions (`GET` for any token; create and
 * delete with the admin role; a given id kept, a duplicate 409, a region that still has endpoints
 * 403), services (admin; deleting one deletes its endpoints) and endpoints (admin; `region_id` and
 * `service_id` must exist, 400 otherwise), with `type`, `interface`, `service_id` and `region_id`
 * list filters. Changes show in the catalog of every token validated or issued after them.
 */
export function catalogRoutes(catalog: Catalog, host: CatalogApiHost): Route[] {
  const links = (collection: string, id?: string) => ({ self: `${host.authUrl()}/${collection}${id === undefined ? '' : `/${id}`}` });
  const listed = (collection: string, items: unknown[]) => ({ [collection]: items, links: { next: null, self: `${host.authUrl()}/${collection}`, previous: null } });
  const renderRegion = (region: SimRegion) => ({ id: region.id, description: region.description, links: links('regions', region.id), parent_region_id: region.parentRegionId });
  const renderService = (service: SimService) => ({
    id: service.id,
    type: service.type,
    name: service.name,
    enabled: true,
    ...(service.description && { description: service.description }),
    links: links('services', service.id),
  });
  const renderEndpoint = (service: SimService, endpoint: SimEndpoint) => ({
    id: endpoint.id,
    interface: endpoint.interface,
    region_id: endpoint.regionId,
    service_id: service.id,
    url: endpoint.url,
    enabled: true,
    region: endpoint.regionId,
    links: links('endpoints', endpoint.id),
  });

  /** The caller, when it may do `action`; otherwise the refusal is answered. */
  const authorized = (request: SimRequest, action: string, adminOnly: boolean): boolean => {
    const caller = host.caller(request);
    if (!caller) return false;
    if (adminOnly && !host.isAdmin(caller)) {
      host.fail(request, 403, `You are not authorized to perform the requested action: identity:${action}.`);
      return false;
    }
    return true;
  };
  const member = async (request: SimRequest, key: string): Promise<Record<string, unknown> | undefined> => {
    const body = (await readJsonObject(request.req))?.[key];
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
    host.fail(request, 400, `${JSON.stringify(body ?? null)} is not of type 'object'`);
    return undefined;
  };

  return [
    {
      method: 'GET',
      pattern: /^\/v3\/regions$/,
      name: 'regions.list',
      handle: (request) => {
        if (authorized(request, 'list_regions', false)) sendJson(request.res, 200, listed('regions', catalog.regions.map(renderRegion)));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v3/regions/${ID}$`),
      name: 'regions.get',
      handle: (request) => {
        if (!authorized(request, 'get_region', false)) return;
        const region = catalog.region(decodeURIComponent(request.params.id));
        if (!region) return host.fail(request, 404, `Could not find region: ${decodeURIComponent(request.params.id)}.`);
        sendJson(request.res, 200, { region: renderRegion(region) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/regions$/,
      name: 'regions.create',
      handle: async (request) => {
        if (!authorized(request, 'create_region', true)) return;
        const body = await member(request, 'region');
        if (!body) return;
        const id = typeof body.id === 'string' && body.id ? body.id : newId();
        if (catalog.region(id)) return host.fail(request, 409, `Conflict occurred attempting to store region - Duplicate ID, ${id}..`);
        const parent = typeof body.parent_region_id === 'string' ? body.parent_region_id : null;
        if (parent !== null && !catalog.region(parent)) return host.fail(request, 404, `Could not find region: ${parent}.`);
        const region = catalog.addRegion(id, typeof body.description === 'string' ? body.description : '', parent);
        sendJson(request.res, 201, { region: renderRegion(region) });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v3/regions/${ID}$`),
      name: 'regions.delete',
      handle: (request) => {
        if (!authorized(request, 'delete_region', true)) return;
        const id = decodeURIComponent(request.params.id);
        if (!catalog.region(id)) return host.fail(request, 404, `Could not find region: ${id}.`);
        if (catalog.regionInUse(id)) return host.fail(request, 403, `Unable to delete region ${id} because it or its child regions have associated endpoints.`);
        catalog.removeRegion(id);
        request.res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/services$/,
      name: 'services.list',
      handle: (request) => {
        if (!authorized(request, 'list_services', true)) return;
        const type = request.query.get('type');
        const name = request.query.get('name');
        const services = catalog.services.filter((service) => (type === null || service.type === type) && (name === null || service.name === name));
        sendJson(request.res, 200, listed('services', services.map(renderService)));
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/services$/,
      name: 'services.create',
      handle: async (request) => {
        if (!authorized(request, 'create_service', true)) return;
        const body = await member(request, 'service');
        if (!body) return;
        if (typeof body.type !== 'string' || body.type === '') return host.fail(request, 400, "'type' is a required property");
        if (body.name === '') return host.fail(request, 400, "Invalid input for field 'name': '' is too short");
        const service = catalog.addService(body.type, typeof body.name === 'string' ? body.name : '', [], typeof body.description === 'string' ? body.description : '');
        sendJson(request.res, 201, { service: renderService(service) });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v3/services/${ID}$`),
      name: 'services.delete',
      handle: (request) => {
        if (!authorized(request, 'delete_service', true)) return;
        if (!catalog.service(request.params.id)) return host.fail(request, 404, `Could not find service: ${request.params.id}.`);
        catalog.removeService(request.params.id);
        request.res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/endpoints$/,
      name: 'endpoints.list',
      handle: (request) => {
        if (!authorized(request, 'list_endpoints', true)) return;
        const filter = { interface: request.query.get('interface'), service: request.query.get('service_id'), region: request.query.get('region_id') };
        const endpoints = catalog
          .endpoints()
          .filter(({ service, endpoint }) => (filter.interface === null || endpoint.interface === filter.interface) && (filter.service === null || service.id === filter.service) && (filter.region === null || endpoint.regionId === filter.region));
        sendJson(request.res, 200, listed('endpoints', endpoints.map(({ service, endpoint }) => renderEndpoint(service, endpoint))));
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/endpoints$/,
      name: 'endpoints.create',
      handle: async (request) => {
        if (!authorized(request, 'create_endpoint', true)) return;
        const body = await member(request, 'endpoint');
        if (!body) return;
        for (const required of ['interface', 'service_id', 'url']) {
          if (typeof body[required] !== 'string') return host.fail(request, 400, `'${required}' is a required property`);
        }
        const { interface: wanted, service_id: serviceId, region_id: regionId, url } = body as Record<string, string>;
        if (!INTERFACES.includes(wanted)) return host.fail(request, 400, `Invalid input for field 'interface': '${wanted}' is not one of ${JSON.stringify(INTERFACES).replace(/"/g, "'")}`);
        if (typeof regionId !== 'string' || !catalog.region(regionId)) return host.fail(request, 400, validationMessage('endpoint region_id', 'region table'));
        const service = catalog.service(serviceId);
        if (!service) return host.fail(request, 400, validationMessage('endpoint service_id', 'service table'));
        const endpoint = catalog.addEndpoint(service, { interface: wanted as SimEndpoint['interface'], regionId, url });
        sendJson(request.res, 201, { endpoint: renderEndpoint(service, endpoint) });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v3/endpoints/${ID}$`),
      name: 'endpoints.delete',
      handle: (request) => {
        if (!authorized(request, 'delete_endpoint', true)) return;
        if (!catalog.removeEndpoint(request.params.id)) return host.fail(request, 404, `Could not find endpoint: ${request.params.id}.`);
        request.res.writeHead(204).end();
      },
    },
  ];
}

/** Keystone's ValidationError text. */
function validationMessage(attribute: string, target: string): string {
  return `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`;
}
