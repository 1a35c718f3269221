export { k2kClient } from './k2k-client.js';
export type { K2KClient, SessionOptions } from './k2k-client.js';
export type { K2KClientOptions } from './options.js';
export { CLIENT_TUNABLES } from './option-table.js';
export { ClientSession } from './session.js';
export type { ServiceOptions } from './session.js';
export { ServiceClient } from './service-client.js';
export type { K2KRequestInit, ProjectChoice } from './call-options.js';
export { LocalRouting } from './local-routing.js';
// The engine's events and figures, as k2kForward exports them.
export type { ExchangeEvent, ForwardEvent, ForwardStats, LocationEvent, PlacementEvent, PlacementPolicy, ProbeEvent, SearchEvent } from '@k2k/engine';
