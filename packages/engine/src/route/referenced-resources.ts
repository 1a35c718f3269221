import { OpenStackError } from '@k2k/common';
import { normalizeResourceId, type ResourceLocation } from '@k2k/store';
import type { Locations } from '../learn/locations.js';
import { singular, type ResourceTypes } from '../learn/resource-types.js';
import { isJsonRequest, readJsonBody } from '../parse/request-body.js';
import { mayReference, resourceReferences, type ResourceReference } from '../parse/resource-references.js';
import { decisionAt } from './learned-location.js';
import type { SharedStorage } from './shared-storage.js';
import type { RoutingRule } from './target.js';

/** At most this many named resources are looked up for one request (each a store read); the rest do not count. */
const MAX_REFERENCES = 32;

export interface ReferenceSettings {
  /** The mount's official service type: which requests name what (resource-references.ts) */
  serviceType: string;
  /** Whether the path's own resource may be searched for when its location is not learned */
  search: boolean;
  jsonBodyLimitBytes: number;
  sharedStorage: SharedStorage;
}

/** A resource whose cloud is known: one the request names (where it was learned), or the path's own. */
interface Placed {
  /** How the error names it: 'volume 6f1c... (volumeAttachment.volumeId)' */
  what: string;
  /** The cloud's name: a service provider id, or the local cloud's name */
  cloud: string;
  location: ResourceLocation;
  shareable: boolean;
}

/**
 * Rule 2.5 (DESIGN "Compute and network"), after routing headers and qualifiers, before the
 * path's own learned location (rule 3) and placement: a request that names other resources (a
 * server create's image, volumes, networks and ports; a volume or interface attachment's volume or
 * port; a volume create's image or snapshot...: resource-references.ts) goes to the cloud that
 * holds them, as learned by any mount sharing the store (the image mount learns images, the volume
 * mount volumes). When what it names and the path's own resource are held by different clouds, the
 * answer is 409 naming each and its cloud, and nothing is sent; a volume (or the server it is
 * attached to) may be held by the other cloud of a pair the operator declared as sharing storage.
 *
 * The path's own resource decides where it has a location (a volume attachment goes to the server's
 * cloud); found nowhere yet, it is searched for (rule 4) and the conflict checked on the cloud found,
 * before the request is sent. Without one, the first named resource that is not shareable storage
 * decides, else the first named. A named resource with no learned location is not searched for
 * (probing another service's API is another mount's business): it does not count here, and the
 * cloud the request goes to answers for it.
 */
export function referencedResources(settings: ReferenceSettings, locations: Locations, resources: ResourceTypes): RoutingRule {
  return async ({ req, request, identity, localName }) => {
    const projectId = identity?.project?.id;
    if (!projectId || !mayReference(settings.serviceType, request) || !isJsonRequest(req)) return undefined;
    const references = distinct(resourceReferences(settings.serviceType, request, await readJsonBody(req, settings.jsonBodyLimitBytes)));
    const cloudOf = (location: ResourceLocation) => location.serviceProvider ?? localName;
    const found = await Promise.all(
      references.map(async (reference): Promise<Placed | undefined> => {
        const { serviceType, resourceType, id, field, shareable } = reference;
        const location = await locations.locationOf({ projectId, serviceType, resourceType, resourceId: id });
        return location && { what: `${singular(resourceType)} ${id} (${field})`, cloud: cloudOf(location), location, shareable };
      }),
    );
    const named = found.filter((placed): placed is Placed => placed !== undefined);
    if (named.length === 0) return undefined;
    const refusal = (placed: readonly Placed[]) => conflict(placed, settings.sharedStorage, localName);
    const ownKey = resources.has(request.resourceType) ? locations.keyOf(identity, request) : undefined;
    if (ownKey) {
      const own = await locations.find(ownKey);
      // An id remembered as absent: rule 3 answers 404.
      if (own?.kind === 'absent') return undefined;
      const path = `${singular(ownKey.resourceType)} ${ownKey.resourceId}`;
      // Checked on the cloud a search finds the path's resource in: now, or once a learned location proves stale.
      const conflictAt = (serviceProvider: string | null) => refusal([{ what: path, cloud: serviceProvider ?? localName, location: { serviceProvider }, shareable: false }, ...named]);
      if (!own) return settings.search ? { kind: 'locate', reason: 'unknown id: search (what the request names is checked on the cloud found)', conflictAt } : undefined;
      refuse(conflictAt(own.location.serviceProvider));
      return { ...decisionAt(own.location, 'learned location, where what the request names is too', true), conflictAt };
    }
    const deciding = [...named.filter((placed) => !placed.shareable), ...named.filter((placed) => placed.shareable)];
    refuse(refusal(deciding));
    return decisionAt(deciding[0].location, `the request names ${deciding[0].what}, held there`, false);
  };
}

/**
 * Why the first resource's cloud cannot take the request, or undefined: every other resource is
 * held there, or is shareable storage held by a cloud sharing storage with it.
 */
function conflict(placed: readonly Placed[], shared: SharedStorage, localName: string): string | undefined {
  const [first, ...others] = placed;
  const apart = others.filter((other) => other.cloud !== first.cloud && !(other.shareable && shared.shares(first.cloud, other.cloud)));
  if (apart.length === 0) return undefined;
  const where = (cloud: string) => (cloud === localName ? `${cloud} (the local cloud)` : `service provider ${cloud}`);
  const storage = apart.some((other) => other.shareable) ? ' A volume is used across clouds only where the operator declares them as sharing storage.' : '';
  return `This request names resources held by different clouds: ${placed.map((p) => `${p.what} at ${where(p.cloud)}`).join(', ')}; nothing was sent.${storage}`;
}

function refuse(message: string | undefined): void {
  if (message) throw new OpenStackError(409, message);
}

/** Each resource once (a server create may name an image twice), and at most MAX_REFERENCES of them. */
function distinct(references: readonly ResourceReference[]): ResourceReference[] {
  const seen = new Set<string>();
  return references
    .filter(({ serviceType, resourceType, id }) => {
      const key = `${serviceType}\n${resourceType}\n${normalizeResourceId(id)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_REFERENCES);
}
