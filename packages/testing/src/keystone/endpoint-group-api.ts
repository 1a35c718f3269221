import { readJsonObject, sendJson, type Route, type SimRequest } from '../sim-server.js';
import type { Catalog, SimEndpointGroup } from './catalog.js';
import { adminCaller, type CatalogApiHost } from './catalog-api.js';
import { newId } from './ids.js';

const FILTER_KEYS = ['interface', 'region_id', 'service_id'];
const GROUP = '(?<id>[^/]+)';

/**
 * Keystone v3's OS-EP-FILTER endpoint groups, the part an operator uses to trim a project's catalog
 * (admin role): create (filters on interface, region_id, service_id), list, delete, and associate
 * with or dissociate from a project. A project with associated groups sees only their endpoints in
 * its tokens' catalogs; like Keystone, this trims catalogs and stops no call.
 */
export function endpointGroupRoutes(catalog: Catalog, host: CatalogApiHost, projectExists: (id: string) => boolean): Route[] {
  const links = (id: string) => ({ self: `${host.authUrl()}/OS-EP-FILTER/endpoint_groups/${id}` });
  const render = (group: SimEndpointGroup) => ({ id: group.id, name: group.name, description: group.description, filters: group.filters, links: links(group.id) });
  const admin = (request: SimRequest, action: string): boolean => adminCaller(host, request, action);
  const group = (request: SimRequest): SimEndpointGroup | undefined => {
    const found = catalog.endpointGroups.find((candidate) => candidate.id === request.params.id);
    if (!found) host.fail(request, 404, `Could not find Endpoint Group: ${request.params.id}.`);
    return found;
  };

  return [
    {
      method: 'POST',
      pattern: /^\/v3\/OS-EP-FILTER\/endpoint_groups$/,
      name: 'endpoint_groups.create',
      handle: async (request) => {
        if (!admin(request, 'create_endpoint_group')) return;
        const body = (await readJsonObject(request.req))?.endpoint_group as Record<string, unknown> | undefined;
        if (typeof body !== 'object' || body === null) return host.fail(request, 400, "'endpoint_group' is a required property");
        if (typeof body.name !== 'string') return host.fail(request, 400, "'name' is a required property");
        const filters = body.filters;
        if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) return host.fail(request, 400, "'filters' is a required property");
        const bad = Object.keys(filters).find((key) => !FILTER_KEYS.includes(key));
        if (bad !== undefined || Object.keys(filters).length === 0) {
          return host.fail(request, 400, `${JSON.stringify(filters)} is not an acceptable value for the filters of an endpoint group.`);
        }
        const created: SimEndpointGroup = {
          id: newId(),
          name: body.name,
          description: typeof body.description === 'string' ? body.description : '',
          filters: filters as SimEndpointGroup['filters'],
        };
        catalog.endpointGroups.push(created);
        sendJson(request.res, 201, { endpoint_group: render(created) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/OS-EP-FILTER\/endpoint_groups$/,
      name: 'endpoint_groups.list',
      handle: (request) => {
        if (!admin(request, 'list_endpoint_groups')) return;
        sendJson(request.res, 200, { endpoint_groups: catalog.endpointGroups.map(render), links: { self: `${host.authUrl()}/OS-EP-FILTER/endpoint_groups`, previous: null, next: null } });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v3/OS-EP-FILTER/endpoint_groups/${GROUP}$`),
      name: 'endpoint_groups.delete',
      handle: (request) => {
        if (!admin(request, 'delete_endpoint_group') || !group(request)) return;
        catalog.removeEndpointGroup(request.params.id);
        request.res.writeHead(204).end();
      },
    },
    {
      method: 'PUT',
      pattern: new RegExp(`^/v3/OS-EP-FILTER/endpoint_groups/${GROUP}/projects/(?<project>[^/]+)$`),
      name: 'endpoint_groups.add_project',
      handle: (request) => {
        if (!admin(request, 'add_endpoint_group_to_project') || !group(request)) return;
        if (!projectExists(request.params.project)) return host.fail(request, 404, `Could not find project: ${request.params.project}.`);
        const groups = catalog.projectEndpointGroups.get(request.params.project) ?? new Set<string>();
        catalog.projectEndpointGroups.set(request.params.project, groups.add(request.params.id));
        request.res.writeHead(204).end();
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v3/OS-EP-FILTER/endpoint_groups/${GROUP}/projects/(?<project>[^/]+)$`),
      name: 'endpoint_groups.remove_project',
      handle: (request) => {
        if (!admin(request, 'remove_endpoint_group_from_project') || !group(request)) return;
        if (!catalog.projectEndpointGroups.get(request.params.project)?.delete(request.params.id)) {
          return host.fail(request, 404, `Could not find project endpoint group: ${request.params.project}.`);
        }
        request.res.writeHead(204).end();
      },
    },
  ];
}
