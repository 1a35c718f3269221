import type { RoutingRule } from './target.js';

/** Rule 6: whatever no rule claimed stays local. */
export const stayLocal: RoutingRule = () => ({ kind: 'local', reason: 'no rule sent it elsewhere' });
