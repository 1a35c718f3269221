import { readRoutingHeaders } from '../parse/routing-headers.js';
import type { RoutingRule } from './target.js';

/** Rule 1: SERVICE-PROVIDER (or MM-SERVICE-PROVIDER) with optional project and endpoint type. */
export const explicitHeaders: RoutingRule = ({ req, identity, localName }) => {
  const request = readRoutingHeaders(req, identity?.project?.domain.name ?? 'Default');
  if (request.serviceProvider === undefined) return undefined;
  if (request.serviceProvider === localName) return { kind: 'local', reason: `SERVICE-PROVIDER names the local cloud (${localName})` };
  return { kind: 'remote', serviceProvider: request.serviceProvider, project: request.project, interface: request.interface, reason: 'SERVICE-PROVIDER header' };
};
