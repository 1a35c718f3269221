import type { EndpointInterface, Logger } from '@k2k/common';
import type { Store } from '@k2k/store';
import type { ParsedReseller, IdentityMode } from './execute/reseller.js';
import type { PlacementPolicy } from './place/policy.js';
import type { TargetMetadata } from './place/target-metadata.js';
import type { EndpointPolicy } from './policy/endpoint-policy.js';
import type { Pin } from './route/mount-pin.js';
import type { SharedStorage } from './route/shared-storage.js';

/**
 * What the engine runs with for one service at one Keystone: every setting validated and settled
 * (k2kForward's options, checked and filled in by its options.ts, map onto these one to one).
 */
export interface EngineSettings {
  /** The service type in the catalogs: an official one ('block-storage', 'image'...) or one of the operator's own */
  serviceType: string;
  /**
   * The official service type whose API the service speaks: its URL grammar, list semantics and
   * default resource types. The same as serviceType unless the catalog names it a type of its own
   */
  api: string;
  /** The local Keystone's v3 URL: the identity provider */
  authUrl: string;
  /** Shared cache of remote tokens, resource locations and health */
  store: Store;
  logger: Logger;
  /** Where requests that stay local go: handed back to the caller ('next'), or sent to that upstream */
  local: { kind: 'next' } | { kind: 'upstream'; template: URL };
  /** The base of the links in answers; absent: from each request */
  publicUrl: URL | undefined;
  /** The local cloud's name */
  localName: string;
  /** Endpoint interface at service providers when ENDPOINT-TYPE is not sent */
  interface: EndpointInterface;
  /** Region of the endpoints at service providers; absent: the first that has the service */
  region: string | undefined;
  timeoutMs: number;
  keystoneTimeoutMs: number;
  /** The CAs trusted for every https connection (Keystones and services); absent: Node's default CAs */
  ca: string[] | undefined;
  tokenSafetyMarginSeconds: number;
  /** This proxy's name in MM-PROXY-LIST */
  proxyId: string;
  /** Only these service providers may be named; absent: every one the IdP offers the caller */
  serviceProviders: string[] | undefined;
  endpointPolicy: EndpointPolicy;
  learn: boolean;
  search: boolean;
  resourceTypes: string[];
  locationTtlSeconds: number;
  absentTtlSeconds: number;
  probeTimeoutMs: number;
  maxSearchesPerCaller: number;
  jsonBodyLimitBytes: number;
  learnListLimit: number;
  /** The tag prefix linking an SP's project to an IdP project (`<tag>:<IdP project id>`): project-ids.ts */
  projectLinkTag: string;
  aggregate: boolean;
  aggregateResourceTypes: string[];
  pageLimit: number;
  listBodyLimitBytes: number;
  pin: Pin | undefined;
  /** Per SP id; absent: 'user' */
  identity: Record<string, IdentityMode>;
  reseller: ParsedReseller | undefined;
  placement: PlacementPolicy;
  targetMetadata: Record<string, TargetMetadata>;
  /** The cloud pairs the operator declared as sharing storage (a volume of one attached to a server of the other) */
  sharedStorage: SharedStorage;
  /** The reseller identity's token: reseller.serviceToken, else keystoneAuth's service user token */
  serviceToken: (() => Promise<string>) | undefined;
}
