import { newId } from './ids.js';

export interface SimEndpoint {
  id: string;
  interface: 'public' | 'internal' | 'admin';
  regionId: string;
  /** May carry %(project_id)s / $(project_id)s (and the tenant_id forms), substituted per token */
  url: string;
}

export interface SimService {
  id: string;
  type: string;
  name: string;
  endpoints: SimEndpoint[];
}

const PROJECT_VARIABLE = /[%$]\((?:project_id|tenant_id)\)s/;
const PROJECT_VARIABLES = new RegExp(PROJECT_VARIABLE.source, 'g');

/** The service catalog of a simulated Keystone. */
export class Catalog {
  readonly services: SimService[] = [];

  addService(type: string, name: string, endpoints: Omit<SimEndpoint, 'id'>[]): SimService {
    const service = { id: newId(), type, name, endpoints: endpoints.map((endpoint) => ({ id: newId(), ...endpoint })) };
    this.services.push(service);
    return service;
  }

  /**
   * The catalog as a token shows it: project variables substituted; without a project, the
   * endpoints that need one are left out (as Keystone does).
   */
  render(projectId: string | undefined): unknown[] {
    return this.services.map((service) => ({
      endpoints: service.endpoints
        .filter((endpoint) => projectId !== undefined || !PROJECT_VARIABLE.test(endpoint.url))
        .map((endpoint) => ({
          id: endpoint.id,
          interface: endpoint.interface,
          region_id: endpoint.regionId,
          url: projectId === undefined ? endpoint.url : endpoint.url.replace(PROJECT_VARIABLES, projectId),
          region: endpoint.regionId,
        })),
      id: service.id,
      type: service.type,
      name: service.name,
    }));
  }
}
