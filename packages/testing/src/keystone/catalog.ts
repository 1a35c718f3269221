import { newId } from './ids.js';

export interface SimRegion {
  id: string;
  description: string;
  parentRegionId: string | null;
}

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
  description: string;
  endpoints: SimEndpoint[];
}

/** An OS-EP-FILTER endpoint group: every filter attribute given must match. */
export interface SimEndpointGroup {
  id: string;
  name: string;
  description: string;
  filters: { interface?: string; region_id?: string; service_id?: string };
}

const PROJECT_VARIABLE = /[%$]\((?:project_id|tenant_id)\)s/;
const PROJECT_VARIABLES = new RegExp(PROJECT_VARIABLE.source, 'g');

/**
 * The service catalog of a simulated Keystone: regions, services and their endpoints, and the
 * endpoint groups (OS-EP-FILTER) that trim what a project's tokens list.
 */
export class Catalog {
  readonly regions: SimRegion[] = [];
  readonly services: SimService[] = [];
  readonly endpointGroups: SimEndpointGroup[] = [];
  /** Project id -> the ids of the endpoint groups associated with it */
  readonly projectEndpointGroups = new Map<string, Set<string>>();

  addRegion(id: string, description = '', parentRegionId: string | null = null): SimRegion {
    const region = { id, description, parentRegionId };
    this.regions.push(region);
    return region;
  }

  /** A service with its endpoints; their regions are created when missing (as keystone-manage bootstrap does). */
  addService(type: string, name: string, endpoints: Omit<SimEndpoint, 'id'>[], description = ''): SimService {
    const service: SimService = { id: newId(), type, name, description, endpoints: [] };
    this.services.push(service);
    for (const endpoint of endpoints) {
      if (!this.region(endpoint.regionId)) this.addRegion(endpoint.regionId);
      this.addEndpoint(service, endpoint);
    }
    return service;
  }

  addEndpoint(service: SimService, endpoint: Omit<SimEndpoint, 'id'>): SimEndpoint {
    const added = { id: newId(), ...endpoint };
    service.endpoints.push(added);
    return added;
  }

  region(id: string): SimRegion | undefined {
    return this.regions.find((region) => region.id === id);
  }

  service(id: string): SimService | undefined {
    return this.services.find((service) => service.id === id);
  }

  /** Every endpoint with the service it belongs to. */
  endpoints(): { service: SimService; endpoint: SimEndpoint }[] {
    return this.services.flatMap((service) => service.endpoints.map((endpoint) => ({ service, endpoint })));
  }

  /** Whether a region or one of its child regions has endpoints (Keystone then refuses to delete it). */
  regionInUse(id: string): boolean {
    return this.endpoints().some(({ endpoint }) => endpoint.regionId === id) || this.regions.some((child) => child.parentRegionId === id && this.regionInUse(child.id));
  }

  /** Deletes a region and its child regions. */
  removeRegion(id: string): void {
    for (const child of this.regions.filter((region) => region.parentRegionId === id)) this.removeRegion(child.id);
    this.regions.splice(this.regions.findIndex((region) => region.id === id), 1);
  }

  /** Deletes a service with its endpoints. */
  removeService(id: string): void {
    this.services.splice(this.services.findIndex((service) => service.id === id), 1);
  }

  /** Deletes an endpoint; false when there is none with that id. */
  removeEndpoint(id: string): boolean {
    for (const service of this.services) {
      const at = service.endpoints.findIndex((endpoint) => endpoint.id === id);
      if (at >= 0) return (service.endpoints.splice(at, 1), true);
    }
    return false;
  }

  /** Deletes an endpoint group and its project associations; false when there is none with that id. */
  removeEndpointGroup(id: string): boolean {
    const at = this.endpointGroups.findIndex((group) => group.id === id);
    if (at < 0) return false;
    this.endpointGroups.splice(at, 1);
    for (const groups of this.projectEndpointGroups.values()) groups.delete(id);
    return true;
  }

  /**
   * The catalog as a token shows it: project variables substituted; without a project, the
   * endpoints that need one are left out (as Keystone does). A project with endpoint groups sees
   * only their endpoints; one without sees all (Keystone's return_all_endpoints_if_no_filter).
   */
  render(projectId: string | undefined): unknown[] {
    const groups = [...(this.projectEndpointGroups.get(projectId ?? '') ?? [])].flatMap((id) => this.endpointGroups.filter((group) => group.id === id));
    const visible = (service: SimService, endpoint: SimEndpoint) => groups.length === 0 || groups.some((group) => inGroup(group, service, endpoint));
    return this.services.map((service) => ({
      endpoints: service.endpoints
        .filter((endpoint) => projectId !== undefined || !PROJECT_VARIABLE.test(endpoint.url))
        .filter((endpoint) => visible(service, endpoint))
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

function inGroup(group: SimEndpointGroup, service: SimService, endpoint: SimEndpoint): boolean {
  const { interface: wanted, region_id: region, service_id: serviceId } = group.filters;
  return (wanted === undefined || endpoint.interface === wanted) && (region === undefined || endpoint.regionId === region) && (serviceId === undefined || service.id === serviceId);
}
