export { k2kForward } from './k2k-forward.js';
export type { ForwardEvent, K2KForwardMiddleware } from './k2k-forward.js';
export type { K2KForwardOptions } from './options.js';
export type { ExchangeEvent } from './remote-session.js';
export type { LocationEvent } from './locations.js';
export type { ProbeEvent, SearchEvent } from './locate.js';
export type { ApiRequest } from './parse-request.js';
export { DEFAULT_RESOURCE_TYPES } from './resource-types.js';
