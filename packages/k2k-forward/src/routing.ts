import type { IncomingMessage } from 'node:http';
import { OpenStackError, type EndpointInterface, type ServiceProvider } from '@k2k/keystone';
import type { KeystoneIdentity } from '@k2k/keystone-auth';
import type { ParsedPath } from './parse-request.js';
import { readRoutingHeaders, type ProjectRequest } from './routing-headers.js';

/** Where a request goes (step 2). */
export type Target =
  | { kind: 'local'; reason: string }
  | { kind: 'remote'; serviceProvider: ServiceProvider; project?: ProjectRequest; interface?: EndpointInterface; reason: string };

/** What the routing rules look at. */
export interface RoutingContext {
  req: IncomingMessage;
  parsed: ParsedPath;
  identity: KeystoneIdentity | undefined;
  /** This proxy is already in MM-PROXY-LIST: the request must not leave for a service provider again */
  looped: boolean;
  localName: string;
  /** The service providers that may be named, when restricted */
  allowedServiceProviders?: string[];
}

/**
 * A routing rule: a target, or undefined to let the next rule decide. Rules run in order and the
 * first answer wins; learned locations, broadcast search and aggregation slot in as further rules.
 */
export type RoutingRule = (context: RoutingContext) => Promise<Target | undefined> | Target | undefined;

/** Rule 1: SERVICE-PROVIDER (or MM-SERVICE-PROVIDER) with optional project and endpoint type. */
export const explicitHeaders: RoutingRule = ({ req, identity, looped, localName, allowedServiceProviders }) => {
  const request = readRoutingHeaders(req, identity?.project?.domain.name ?? 'Default');
  if (request.serviceProvider === undefined) return undefined;
  if (request.serviceProvider === localName) return { kind: 'local', reason: `SERVICE-PROVIDER names the local cloud (${localName})` };
  if (looped) throw new OpenStackError(508, `This request already passed this proxy (MM-PROXY-LIST); it is not forwarded to ${request.serviceProvider} again.`);
  const serviceProvider = knownServiceProvider(identity, request.serviceProvider, allowedServiceProviders);
  return { kind: 'remote', serviceProvider, project: request.project, interface: request.interface, reason: 'SERVICE-PROVIDER header' };
};

/** Rule 6: whatever no rule claimed stays local. */
export const stayLocal: RoutingRule = () => ({ kind: 'local', reason: 'no rule sent it elsewhere' });

/** Runs the rules in order; the first that answers decides. */
export async function chooseTarget(rules: readonly RoutingRule[], context: RoutingContext): Promise<Target> {
  for (const rule of rules) {
    const target = await rule(context);
    if (target) return target;
  }
  return { kind: 'local', reason: 'no rule sent it elsewhere' };
}

function knownServiceProvider(identity: KeystoneIdentity | undefined, id: string, allowed?: string[]): ServiceProvider {
  if (!identity) throw new OpenStackError(401, 'The request you have made requires authentication.');
  const offered = identity.serviceProviders.filter((sp) => allowed === undefined || allowed.includes(sp.id));
  const found = offered.find((sp) => sp.id === id);
  if (!found) {
    const known = offered.map((sp) => sp.id).join(', ') || 'none';
    throw new OpenStackError(400, `Unknown service provider "${id}" (known: ${known}).`);
  }
  return found;
}
