import { endpointRoot } from '@k2k/k2k-forward';
import type { KeystoneEndpoint, KeystoneRegion, KeystoneService } from '@k2k/keystone';
import type { GatewayConfig } from '../config/config.js';
import type { VirtualRegion } from '../config/virtual-regions.js';

/**
 * The start of the description of every region and service `catalog register` creates: `remove`
 * deletes such a region or service once nothing else is in it, and never one without it.
 */
export const MADE_BY = 'k2k-gateway';

/** The part of the IdP's catalog the plans read. */
export interface CatalogState {
  regions: KeystoneRegion[];
  services: KeystoneService[];
  endpoints: KeystoneEndpoint[];
}

/** A catalog endpoint a virtual region needs: the gateway's URL for one of its mounts, interface public. */
export interface WantedEndpoint {
  region: string;
  regionDescription: string;
  serviceType: string;
  url: string;
}

export type CatalogStep =
  | { kind: 'create-region'; id: string; description: string }
  | { kind: 'create-service'; type: string }
  | { kind: 'create-endpoint'; region: string; serviceType: string; url: string }
  | { kind: 'keep-endpoint'; region: string; serviceType: string; url: string }
  | { kind: 'delete-endpoint'; id: string; region: string; serviceType: string; url: string }
  | { kind: 'delete-service'; id: string; type: string }
  | { kind: 'delete-region'; id: string };

/** Steps in the order they are applied; conflicts stop everything before the first step. */
export interface CatalogPlan {
  steps: CatalogStep[];
  conflicts: string[];
}

/**
 * Every endpoint the virtual regions need: per region and mount, the gateway's URL for that
 * mount below the region's name, with the local endpoint's path below its root (version, project
 * variable), e.g. `http://gw:5001/sp1/volume/v3/%(project_id)s`; under each of the mount's
 * `catalog_types`, else under its own type.
 */
export function wantedEndpoints(regions: readonly VirtualRegion[], config: Pick<GatewayConfig, 'mounts' | 'local' | 'catalogTypes'>, gatewayUrl: string): WantedEndpoint[] {
  return regions.flatMap((region) =>
    Object.entries(config.mounts).flatMap(([mount, mountedType]) =>
      (config.catalogTypes[mountedType] ?? [mountedType]).map((serviceType) => ({
        region: region.name,
        regionDescription: `${MADE_BY} virtual region for ${region.serviceProvider}${region.region === undefined ? '' : ` (region ${region.region})`}`,
        serviceType,
        url: `${gatewayUrl}/${region.name}${mount}${pathBelowRoot(config.local.endpoints[mountedType])}`,
      })),
    ),
  );
}

/**
 * What `register` does: regions and services that are missing are created (services of a mount's
 * type only when the catalog has none), each wanted endpoint created unless it is there already,
 * and endpoints this gateway registered earlier that are no longer wanted deleted (with the
 * regions and services it made that are left empty). An endpoint of the same service and
 * interface in a virtual region that this gateway did not register is a conflict.
 */
export function registrationPlan(state: CatalogState, wanted: readonly WantedEndpoint[], gatewayUrl: string): CatalogPlan {
  const owned = ownedBy(gatewayUrl);
  const typeOf = (endpoint: KeystoneEndpoint) => state.services.find((service) => service.id === endpoint.serviceId)?.type;
  const regions = new Set(state.regions.map((region) => region.id));
  const types = new Set(state.services.map((service) => service.type));
  const creations: CatalogStep[] = [];
  const endpoints: CatalogStep[] = [];
  const conflicts: string[] = [];
  const kept = new Set<string>();
  for (const want of wanted) {
    if (!regions.has(want.region)) creations.push({ kind: 'create-region', id: want.region, description: want.regionDescription });
    if (!types.has(want.serviceType)) creations.push({ kind: 'create-service', type: want.serviceType });
    regions.add(want.region);
    types.add(want.serviceType);
    const there = state.endpoints.filter((endpoint) => endpoint.regionId === want.region && endpoint.interface === 'public' && typeOf(endpoint) === want.serviceType);
    for (const other of there.filter((endpoint) => !owned(endpoint))) {
      conflicts.push(`region ${want.region} already has a public ${want.serviceType} endpoint that this gateway did not register: ${other.url}`);
    }
    const same = there.find((endpoint) => endpoint.url === want.url);
    if (same) kept.add(same.id);
    endpoints.push({ kind: same ? 'keep-endpoint' : 'create-endpoint', region: want.region, serviceType: want.serviceType, url: want.url });
  }
  const stale = state.endpoints.filter((endpoint) => owned(endpoint) && !kept.has(endpoint.id));
  const deletions = stale.map((endpoint) => deleteEndpoint(endpoint, typeOf(endpoint)));
  const wantedRegions = new Set(wanted.map((want) => want.region));
  const wantedTypes = new Set(wanted.map((want) => want.serviceType));
  return { steps: [...creations, ...deletions, ...endpoints, ...emptiedLeftovers(state, stale, wantedRegions, wantedTypes)], conflicts };
}

/** What `remove` does: every endpoint this gateway registered deleted, then the regions and services it made that are left empty. */
export function removalPlan(state: CatalogState, gatewayUrl: string): CatalogPlan {
  const owned = state.endpoints.filter(ownedBy(gatewayUrl));
  const typeOf = (endpoint: KeystoneEndpoint) => state.services.find((service) => service.id === endpoint.serviceId)?.type;
  return { steps: [...owned.map((endpoint) => deleteEndpoint(endpoint, typeOf(endpoint))), ...emptiedLeftovers(state, owned, new Set(), new Set())], conflicts: [] };
}

/** One line per step, as the command prints it. */
export function describeStep(step: CatalogStep): string {
  switch (step.kind) {
    case 'create-region':
      return `create region ${step.id} (${step.description})`;
    case 'create-service':
      return `create service ${step.type}`;
    case 'create-endpoint':
      return `create endpoint ${step.region} ${step.serviceType} public ${step.url}`;
    case 'keep-endpoint':
      return `keep endpoint ${step.region} ${step.serviceType} public ${step.url} (registered already)`;
    case 'delete-endpoint':
      return `delete endpoint ${step.region} ${step.serviceType} ${step.url}`;
    case 'delete-service':
      return `delete service ${step.type} (${step.id}, made by ${MADE_BY}, now empty)`;
    case 'delete-region':
      return `delete region ${step.id} (made by ${MADE_BY}, now empty)`;
  }
}

/**
 * An endpoint this gateway registered: its URL is the gateway's, below the name of the endpoint's
 * own region (what `wantedEndpoints` makes), whatever the config says today.
 */
function ownedBy(gatewayUrl: string): (endpoint: KeystoneEndpoint) => boolean {
  return (endpoint) => endpoint.regionId !== null && endpoint.url.startsWith(`${gatewayUrl}/${endpoint.regionId}/`);
}

function deleteEndpoint(endpoint: KeystoneEndpoint, serviceType: string | undefined): CatalogStep {
  return { kind: 'delete-endpoint', id: endpoint.id, region: endpoint.regionId ?? '', serviceType: serviceType ?? endpoint.serviceId, url: endpoint.url };
}

/** The services and regions register made (by their description) that no endpoint is left in once `deleted` are gone, and that are not wanted. */
function emptiedLeftovers(state: CatalogState, deleted: readonly KeystoneEndpoint[], wantedRegions: ReadonlySet<string>, wantedTypes: ReadonlySet<string>): CatalogStep[] {
  const remaining = state.endpoints.filter((endpoint) => !deleted.includes(endpoint));
  const services = state.services.filter(
    (service) => service.description.startsWith(MADE_BY) && !wantedTypes.has(service.type) && !remaining.some((endpoint) => endpoint.serviceId === service.id),
  );
  const regions = state.regions.filter(
    (region) =>
      region.description.startsWith(MADE_BY) &&
      !wantedRegions.has(region.id) &&
      !remaining.some((endpoint) => endpoint.regionId === region.id) &&
      !state.regions.some((child) => child.parentRegionId === region.id),
  );
  return [...services.map((service): CatalogStep => ({ kind: 'delete-service', id: service.id, type: service.type })), ...regions.map((region): CatalogStep => ({ kind: 'delete-region', id: region.id }))];
}

/** A catalog URL's path below its root, as k2kForward puts requests below a mount ('http://h:8776/v3/%(project_id)s' -> '/v3/%(project_id)s'). */
function pathBelowRoot(template: string): string {
  // Text, not URL parsing: the template's %(project_id)s is no percent-encoding.
  const path = template.replace(/^[a-z][a-z\d+.-]*:\/\/[^/]*/i, '').replace(/\/+$/, '');
  return path.slice(endpointRoot(path).length);
}
