export { k2kForward } from './k2k-forward.js';
export type { ForwardEvent, K2KForwardMiddleware } from './k2k-forward.js';
export type { K2KForwardOptions } from './options.js';
export type { ExchangeEvent } from './remote-session.js';
export type { RoutingRule, RoutingContext, Target } from './routing.js';
export type { ParsedPath } from './parse-request.js';
