import { expect } from 'chai';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { OpenStackError, type KeystoneIdentity, type ServiceProvider } from '@k2k/common';
import { createStore, type ResourceLocation } from '@k2k/store';
import { Locations } from '../src/learn/locations.js';
import { DEFAULT_RESOURCE_TYPES, ResourceTypes } from '../src/learn/resource-types.js';
import { parseApiRequest, type ApiRequest } from '../src/parse/parse-request.js';
import { splitQualifiedId } from '../src/parse/qualifier.js';
import { route, type RoutingLimits } from '../src/route/route.js';
import { routingRules, type RuleSettings } from '../src/route/rules.js';
import { SharedStorage } from '../src/route/shared-storage.js';
import type { Target } from '../src/route/target.js';

export const PROJECT_ID = '0123456789abcdef0123456789abcdef';
export const LOCAL_NAME = 'default';
const serviceProvider = (id: string): ServiceProvider => ({ id, spUrl: `https://${id}.example/Shibboleth.sso/SAML2/ECP`, authUrl: `https://${id}.example/v3/OS-FEDERATION` });

/** A caller of project `demo` whose token offers sp1 and sp2. */
export const CALLER: KeystoneIdentity = {
  user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
  project: { id: PROJECT_ID, name: 'demo', domain: { id: 'default', name: 'Default' } },
  roles: ['member'],
  isAdminProject: false,
  catalog: [],
  serviceProviders: [serviceProvider('sp1'), serviceProvider('sp2')],
  expiresAt: '2099-01-01T00:00:00Z',
  auditIds: ['a1'],
} as KeystoneIdentity;

/** One client call, as a test writes it: the path is below the mount (`/v3/<project>/volumes...`). */
export interface CallIn {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A JSON body (a create's) */
  body?: unknown;
  /** Default: CALLER; null: no confirmed caller */
  identity?: KeystoneIdentity | null;
  /** The mount's service: its URL grammar parses the path, its resource types are learned; default 'block-storage' */
  serviceType?: string;
}

/** What a check expects: the request as parsed, the target routed to (service providers by id), or a refusal. */
export type Expected =
  | { request?: Partial<ApiRequest>; target?: Record<string, unknown> }
  | { refused: number; message?: string };

/** The world around a check: which rules are on, the routing limits, what was learned already. */
export interface CheckSetup {
  rules?: Partial<RuleSettings>;
  limits?: Partial<RoutingLimits>;
  /** Locations learned before the call, by resource id (of the path's resource type, in the caller's project) */
  learned?: Record<string, ResourceLocation>;
  /** Locations of other services' resources learned before the call (by their mounts, on the same store) */
  learnedElsewhere?: { serviceType: string; resourceType: string; id: string; location: ResourceLocation }[];
}

const DEFAULT_RULES: RuleSettings = { serviceType: 'block-storage', sharedStorage: new SharedStorage(), pin: undefined, places: false, learn: true, search: true, aggregateResourceTypes: ['volumes'], jsonBodyLimitBytes: 1_048_576 };

/**
 * helmet's check() for the engine's first steps: one call in, through step 1 (parse, the qualifier
 * split) and step 2 (the rules routingRules builds, then the loop guard, allow-list and endpoint
 * policy), and the expected request, target or refusal out. No federation: an in-process request,
 * a memory store for learned locations.
 */
export async function check(call: CallIn, expected: Expected, setup: CheckSetup = {}): Promise<void> {
  const identity = call.identity === null ? undefined : (call.identity ?? CALLER);
  const serviceType = call.serviceType ?? 'block-storage';
  const resources = new ResourceTypes(DEFAULT_RESOURCE_TYPES[serviceType] ?? []);
  const store = createStore();
  try {
    const locations = new Locations(store, serviceType, 60, 10, () => undefined);
    const outcome = await (async () => {
      const request = splitQualifiedId(parseApiRequest(call.method ?? 'GET', call.path, identity?.project?.id, serviceType), resources);
      for (const [id, location] of Object.entries(setup.learned ?? {})) {
        const key = locations.keyOf(identity, request, id);
        if (key) await locations.learn(key, location);
      }
      for (const { serviceType: type, resourceType, id, location } of setup.learnedElsewhere ?? []) {
        await locations.learn({ projectId: identity?.project?.id ?? '', serviceType: type, resourceType, resourceId: id }, location);
      }
      const rules = routingRules({ ...DEFAULT_RULES, serviceType, ...setup.rules }, resources, locations);
      const limits: RoutingLimits = { looped: false, interface: 'public', ...setup.limits };
      const target = await route(rules, { req: incoming(call), request, identity, localName: LOCAL_NAME }, limits);
      return { request, target };
    })().catch((error: unknown) => error);
    if ('refused' in expected) {
      expect(outcome, 'a refusal').to.be.instanceOf(OpenStackError);
      const error = outcome as OpenStackError;
      expect(error.status, error.message).to.equal(expected.refused);
      if (expected.message) expect(error.message).to.include(expected.message);
      return;
    }
    if (outcome instanceof Error) throw outcome;
    const { request, target } = outcome as { request: ApiRequest; target: Target };
    if (expected.request) expect(request).to.deep.include(expected.request);
    if (expected.target) expect(plain(target)).to.deep.include(expected.target);
  } finally {
    await store.close();
  }
}

/** A request as Node's server makes one, its body (if any) ready to be read. */
export function incoming(call: CallIn): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = call.method ?? 'GET';
  req.url = call.path;
  req.headers = { ...call.headers, ...(call.body !== undefined && { 'content-type': 'application/json' }) };
  if (call.body !== undefined) req.push(JSON.stringify(call.body));
  req.push(null);
  return req;
}

/** A target with its service providers named by id, as a test writes them. */
function plain(target: Target): Record<string, unknown> {
  const ids = (list: readonly ServiceProvider[]) => list.map((sp) => sp.id);
  switch (target.kind) {
    case 'remote':
      return { ...target, serviceProvider: target.serviceProvider.id };
    case 'locate':
      return { ...target, candidates: ids(target.candidates) };
    case 'fanout':
    case 'place':
      return { ...target, serviceProviders: ids(target.serviceProviders) };
    default:
      return { ...target };
  }
}
