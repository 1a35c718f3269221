import { OpenStackError, type EndpointInterface, type KeystoneIdentity, type ServiceProvider } from '@k2k/common';
import type { EndpointRefusal } from '../policy/endpoint-policy.js';
import type { Decision, RoutingContext, RoutingRule, Target } from './target.js';

/** What holds for every decision, whichever rule made it. */
export interface RoutingLimits {
  /** This proxy is already in MM-PROXY-LIST: nothing leaves for a service provider again */
  looped: boolean;
  /** The service providers that may be used, when restricted */
  allowedServiceProviders?: readonly string[];
  /** The endpoint policy for this caller and service; absent: open */
  refusal?: EndpointRefusal;
  /** The interface used at service providers when a decision names none */
  interface: EndpointInterface;
}

/**
 * Step 2: runs the rules in order, the first decision wins; then the loop guard, the allow-list
 * and the endpoint policy apply to it, whichever rule decided: a named service provider must be one
 * the caller's token offers and the configuration allows (400 naming it otherwise) and the policy
 * grants (403 naming service, region and interface, before any K2K exchange); a search or a merged
 * list looks only where all three allow. A passthrough target is no service provider: it goes to
 * the caller's own catalog, which the IdP already trimmed; only the loop guard applies to it.
 */
export async function route(rules: readonly RoutingRule[], context: RoutingContext, limits: RoutingLimits): Promise<Target> {
  let decision: Decision = { kind: 'local', reason: 'no rule sent it elsewhere' };
  for (const rule of rules) {
    const decided = await rule(context);
    if (decided) {
      decision = decided;
      break;
    }
  }
  switch (decision.kind) {
    case 'local':
      return decision;
    case 'remote': {
      if (limits.looped) throw new OpenStackError(508, `This request already passed this proxy (MM-PROXY-LIST); it is not forwarded to ${decision.serviceProvider} again.`);
      const serviceProvider = usableServiceProvider(context.identity, decision.serviceProvider, limits);
      const refused = limits.refusal?.(serviceProvider.id, decision.interface ?? limits.interface, decision.virtualRegion);
      if (refused) throw new OpenStackError(403, refused);
      return { ...decision, serviceProvider };
    }
    case 'passthrough':
      // Its endpoint comes from the catalog, where this proxy itself may be registered: never twice.
      if (limits.looped) throw new OpenStackError(508, `This request already passed this proxy (MM-PROXY-LIST); it is not forwarded to ${decision.name} again.`);
      return decision;
    case 'locate':
      return { ...decision, candidates: limits.looped ? [] : offeredServiceProviders(context.identity, limits) };
    case 'fanout':
      if (limits.looped) return { kind: 'local', reason: 'a list that already passed this proxy stays local' };
      return { kind: 'fanout', serviceProviders: offeredServiceProviders(context.identity, limits), reason: decision.reason };
    case 'place':
      // A create that already passed this proxy is not placed again: it stays local.
      if (limits.looped) return { kind: 'local', reason: 'a create that already passed this proxy stays local' };
      return { kind: 'place', serviceProviders: offeredServiceProviders(context.identity, limits), reason: decision.reason };
  }
}

/** The service providers the caller's token offers, the configuration allows and the endpoint policy grants. */
export function offeredServiceProviders(identity: KeystoneIdentity | undefined, limits: RoutingLimits): ServiceProvider[] {
  const { refusal } = limits;
  return allowedServiceProviders(identity, limits).filter((sp) => refusal?.(sp.id, limits.interface) === undefined);
}

/** The service providers the caller's token offers and the configuration allows, the endpoint policy aside. */
function allowedServiceProviders(identity: KeystoneIdentity | undefined, limits: RoutingLimits): ServiceProvider[] {
  const offered = identity?.serviceProviders ?? [];
  const allowed = limits.allowedServiceProviders;
  return allowed === undefined ? offered : offered.filter((sp) => allowed.includes(sp.id));
}

function usableServiceProvider(identity: KeystoneIdentity | undefined, id: string, limits: RoutingLimits): ServiceProvider {
  if (!identity) throw new OpenStackError(401, 'The request you have made requires authentication.');
  const candidates = allowedServiceProviders(identity, limits);
  const found = candidates.find((sp) => sp.id === id);
  if (!found) {
    const known = candidates.map((sp) => sp.id).join(', ') || 'none';
    throw new OpenStackError(400, `Unknown service provider "${id}" (known: ${known}).`);
  }
  return found;
}
