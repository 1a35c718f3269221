import type { Locations } from '../learn/locations.js';
import type { ResourceTypes } from '../learn/resource-types.js';
import type { Pin } from './mount-pin.js';
import type { SharedStorage } from './shared-storage.js';
import { aggregateList } from './aggregate-list.js';
import { explicitHeaders } from './explicit-headers.js';
import { learnedLocation } from './learned-location.js';
import { pinnedMount } from './pinned-mount.js';
import { placeCreate } from './place-create.js';
import { qualifiedId } from './qualified-id.js';
import { qualifiedName } from './qualified-name.js';
import { referencedResources } from './referenced-resources.js';
import { searchUnknownId } from './search.js';
import type { RoutingRule } from './target.js';

/** Which rules a mount routes by, each on or off by its setting. */
export interface RuleSettings {
  /** The official service type whose API the mount speaks (EngineSettings.api) */
  serviceType: string;
  pin: Pin | undefined;
  /** A placement policy places creates that name no cloud */
  places: boolean;
  learn: boolean;
  search: boolean;
  /** The resource types whose lists are merged; none when there is no local upstream to merge with */
  aggregateResourceTypes: readonly string[];
  jsonBodyLimitBytes: number;
  /** The cloud pairs that share storage, for requests that name resources of both */
  sharedStorage: SharedStorage;
}

/** Step 2's rules in order, the first that decides wins (DESIGN "One request", step 2). */
export function routingRules(settings: RuleSettings, resources: ResourceTypes, locations: Locations): RoutingRule[] {
  // A pinned mount's rule decides every request: no other rule applies there.
  if (settings.pin) return [pinnedMount(settings.pin)];
  return [
    explicitHeaders,
    qualifiedId,
    qualifiedName(resources, settings.jsonBodyLimitBytes),
    // Rule 2.5 reads what learning wrote: with learning off there is nothing to go by.
    ...(settings.learn ? [referencedResources(settings, locations, resources)] : []),
    ...(settings.places ? [placeCreate(resources, settings.jsonBodyLimitBytes)] : []),
    ...(settings.learn ? [learnedLocation(locations, resources)] : []),
    ...(settings.search ? [searchUnknownId(resources)] : []),
    ...(settings.aggregateResourceTypes.length > 0 ? [aggregateList(new Set(settings.aggregateResourceTypes))] : []),
  ];
}
