export { k2kForward } from './k2k-forward.js';
export type { K2KForwardMiddleware } from './k2k-forward.js';
export type { K2KForwardOptions } from './options.js';
export { FORWARD_TUNABLES } from './option-table.js';
export { DEFAULT_RESOURCE_TYPES, endpointRoot, mountUrl, parseTargetMetadata, PLACEMENT_POLICIES, projectPseudonym, pseudonymousProjectName } from '@k2k/engine';
export type {
  ApiRequest,
  EndpointGrant,
  EndpointPolicyOption,
  ExchangeEvent,
  ForwardEvent,
  ForwardStats,
  IdentityMode,
  LocationEvent,
  MountPin,
  PlacementCandidate,
  PlacementEvent,
  PlacementFunction,
  PlacementPolicy,
  PlacementPolicyName,
  PlacementRequest,
  ProbeEvent,
  Quota,
  QuotaUse,
  ResellerOptions,
  SearchEvent,
  TargetDescription,
  TargetHealth,
  TargetMetadata,
} from '@k2k/engine';
