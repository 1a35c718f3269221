import { OpenStackError, type ServiceProvider } from '@k2k/common';
import type { ResourceLocation } from '@k2k/store';
import type { Call } from '../call.js';
import type { Locator } from '../learn/locate.js';
import type { Locations } from '../learn/locations.js';
import type { ApiRequest } from '../parse/parse-request.js';
import { pathSegment } from '../parse/path-segment.js';

/**
 * Where the item a plain-id marker names is (DESIGN "Aggregation": its cloud is known or found):
 * its learned location (the lists that showed it taught it), else, with search on, the cloud that
 * answers a GET probe of it (rule 4's search), learned for the pages after. Undefined when it is
 * found nowhere, or was a moment ago.
 */
export class MarkerLocations {
  constructor(
    private readonly locations: Locations,
    /** Absent: search is off */
    private readonly locator: Locator | undefined,
    private readonly learn: boolean,
  ) {}

  async find(call: Call, id: string, candidates: readonly ServiceProvider[]): Promise<ResourceLocation | undefined> {
    const item: Call = { ...call, request: itemRequest(call.request, id) };
    const key = this.locations.keyOf(item.identity, item.request);
    if (!key) return undefined;
    const entry = await this.locations.find(key);
    if (entry) return entry.kind === 'found' ? entry.location : undefined;
    if (!this.locator) return undefined;
    const found = await this.locator.locate(item, candidates).catch((error: unknown) => {
      if (error instanceof OpenStackError && error.status === 404) return undefined;
      throw error;
    });
    if (!found) return undefined;
    const location: ResourceLocation = found.kind === 'remote' ? { serviceProvider: found.serviceProvider.id, projectId: found.session.projectId } : { serviceProvider: null };
    if (this.learn) await this.locations.learn(key, location);
    return location;
  }
}

/** The GET of one item of a list's resource type, below the list's version and project: what a search probes. */
function itemRequest(list: ApiRequest, id: string): ApiRequest {
  const resourcePath = `/${list.resourceType}/${pathSegment(id, 'The marker')}`;
  const versionAndProject = list.path.slice(0, list.path.length - list.rest.length);
  return { ...list, method: 'GET', resourceId: id, resourcePath, rest: resourcePath, path: `${versionAndProject}${resourcePath}`, query: '' };
}
