import type { IncomingMessage } from 'node:http';
import type { EndpointInterface, KeystoneIdentity, ServiceProvider } from '@k2k/common';
import type { ApiRequest } from '../parse/parse-request.js';
import type { ProjectRequest } from '../parse/routing-headers.js';

/** What a routing rule decides: where the request goes, naming service providers by id. */
export type Decision =
  /** `conflictAt`: with `learned`, what a search must check when that location proves stale */
  | { kind: 'local'; reason: string; learned?: boolean; conflictAt?: ConflictCheck }
  /** `virtualRegion`: the one virtual region the request is for (a pinned mount), which the endpoint policy checks alone */
  | { kind: 'remote'; serviceProvider: string; virtualRegion?: string; project?: ProjectRequest; interface?: EndpointInterface; reason: string; learned?: boolean; conflictAt?: ConflictCheck }
  | PassthroughTarget
  /** Unknown: find the cloud that holds the resource (search) */
  | { kind: 'locate'; reason: string; conflictAt?: ConflictCheck }
  /** A list: ask every cloud and merge (aggregation) */
  | { kind: 'fanout'; reason: string }
  /** A create that names no cloud: where the placement policy says */
  | { kind: 'place'; reason: string };

/** Where the request goes (step 2), after the loop guard, the allow-list and the endpoint policy. */
export type Target =
  /** The local service. `learned`: from a learned location, which a 404 makes stale; `conflictAt`: what the search then must check */
  | { kind: 'local'; reason: string; learned?: boolean; conflictAt?: ConflictCheck }
  | { kind: 'remote'; serviceProvider: ServiceProvider; project?: ProjectRequest; interface?: EndpointInterface; reason: string; learned?: boolean; conflictAt?: ConflictCheck }
  | PassthroughTarget
  /** Search the local cloud and these service providers for the resource; refused (409) where `conflictAt` objects to the cloud found */
  | { kind: 'locate'; candidates: ServiceProvider[]; reason: string; conflictAt?: ConflictCheck }
  /** List at the local cloud and these service providers, and merge */
  | { kind: 'fanout'; serviceProviders: ServiceProvider[]; reason: string }
  /** Create at the local cloud or one of these service providers, as the placement policy says */
  | { kind: 'place'; serviceProviders: ServiceProvider[]; reason: string };

/**
 * Why the request cannot go to the cloud a search found its resource in (a service provider id, or
 * null for the local cloud): what else it names is held elsewhere. Undefined: it can.
 */
export type ConflictCheck = (serviceProvider: string | null) => string | undefined;

/**
 * A target that trusts the IdP's tokens (a pin with token 'passthrough'): the caller's own token
 * goes to the endpoint of the caller's own catalog in `region`, named `name` in answers and logs.
 */
export interface PassthroughTarget {
  kind: 'passthrough';
  name: string;
  region: string;
  interface?: EndpointInterface;
  reason: string;
}

/** A target one known cloud answers, or a search finds (every one but a fan-out and a placement). */
export type SingleTarget = Exclude<Target, { kind: 'fanout' | 'place' }>;

/** What the routing rules look at. */
export interface RoutingContext {
  req: IncomingMessage;
  request: ApiRequest;
  identity: KeystoneIdentity | undefined;
  /** The local cloud's name (what SERVICE-PROVIDER or a qualifier names it by) */
  localName: string;
}

/** A routing rule: a decision, or undefined to let the next rule decide. The first that decides wins. */
export type RoutingRule = (context: RoutingContext) => Promise<Decision | undefined> | Decision | undefined;
