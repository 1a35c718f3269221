import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IDENTITY_HEADERS, KeystoneClient, OpenStackError, writeOpenStackError, type ServiceProvider } from '@k2k/keystone';
import { Aggregator } from './aggregate/aggregate.js';
import { MarkerLocations } from './aggregate/marker-location.js';
import { answer, answerList } from './answer/answer.js';
import { AnswerLinks } from './answer/answer-links.js';
import type { Call } from './call.js';
import { CloudAddresses, destinationName, type CloudAddress, type Destination } from './execute/cloud-address.js';
import { endpointRefusal } from './policy/endpoint-policy.js';
import { Executor, type Delivery } from './execute/execute.js';
import { Learner, type Lesson } from './learn/learn.js';
import { Locator, type ProbeEvent, type SearchEvent } from './learn/locate.js';
import { Locations, type LocationEvent } from './learn/locations.js';
import type { EngineSettings } from './settings.js';
import { parseApiRequest, type ApiRequest } from './parse/parse-request.js';
import { splitQualifiedId } from './parse/qualifier.js';
import { Candidates } from './place/candidates.js';
import { TargetDescriber, type TargetDescription } from './place/describe-targets.js';
import { HealthTracker } from './place/health.js';
import { Placer, type PlacementEvent } from './place/place.js';
import { QuotaReader, type Asker } from './place/quota-reader.js';
import { extendedProxyList, PROXY_LIST_HEADER, proxiesPassed } from './parse/proxy-chain.js';
import { RemoteSessions, type ExchangeEvent } from './execute/remote-session.js';
import { anonymousRequestId, CALLER_HEADERS } from './execute/reseller.js';
import { ResourceTypes } from './learn/resource-types.js';
import { ROUTING_HEADERS } from './parse/routing-headers.js';
import { explicitHeaders } from './route/explicit-headers.js';
import { learnedLocation } from './route/learned-location.js';
import { pinnedMount } from './route/pinned-mount.js';
import { placeCreate } from './route/place-create.js';
import { qualifiedId } from './route/qualified-id.js';
import { qualifiedName } from './route/qualified-name.js';
import { aggregateList } from './route/aggregate-list.js';
import { offeredServiceProviders, route } from './route/route.js';
import { searchUnknownId } from './route/search.js';
import type { RoutingRule, SingleTarget, Target } from './route/target.js';
import { Upstream } from './execute/upstream.js';

/** oslo.context's form of a request id: anything else a caller sends is not passed on. */
const GLOBAL_REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Headers that stop here: the caller's routing headers and the identity headers keystoneAuth set. */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...ROUTING_HEADERS, ...IDENTITY_HEADERS]);
/** What no service provider gets either: the caller's other credentials (its token is replaced) */
const NOT_FOR_SERVICE_PROVIDERS: ReadonlySet<string> = new Set([...NOT_FORWARDED, 'x-service-token', 'authorization']);
/** What a reseller SP does not get either: anything naming the caller or their address */
const NOT_FOR_RESELLERS: ReadonlySet<string> = new Set([...NOT_FOR_SERVICE_PROVIDERS, ...CALLER_HEADERS]);

/** A request k2kForward sent somewhere, for metrics and logs. */
export interface ForwardEvent {
  /** The service provider, or undefined for the local cloud */
  serviceProvider?: string;
  method: string;
  /** The resource type the path names ('volumes'), or '' */
  resourceType: string;
  status: number;
  durationMs: number;
}

/** K2K exchanges and cache counts, summed over the services a k2kForward served. */
export interface ForwardStats {
  exchanges: number;
  failures: number;
  /** Remote sessions */
  cache: { hits: number; misses: number };
  /** Learned locations */
  locations: { hits: number; misses: number };
}

/** A forwarder for one service at one Keystone: what a k2kForward with every option given is. */
export interface Forwarder {
  /** `parsed`: the request already taken apart (step 1's parse), when the middleware needed it */
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, requestId: string, parsed?: ApiRequest): void;
  describe(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<TargetDescription[]>;
  /** The reseller identity's token, unless reseller.serviceToken or an earlier request gave one */
  adoptServiceToken(serviceToken: () => Promise<string>): void;
  stats(): ForwardStats;
  close(): Promise<void>;
}

/** `keystone`: keystoneAuth's client to share (keystoneAuth closes it); absent: one of its own. */
export function createForwarder(config: EngineSettings, events: EventEmitter, keystone?: KeystoneClient): Forwarder {
  const idp = keystone ?? new KeystoneClient({ authUrl: config.authUrl, timeoutMs: config.keystoneTimeoutMs, ...(config.ca && { ca: config.ca }) });
  const resells = (serviceProvider: string | undefined) => serviceProvider !== undefined && config.identity[serviceProvider] === 'reseller';
  let serviceToken = config.serviceToken;
  const sessions = new RemoteSessions(idp, config.store, config.tokenSafetyMarginSeconds, config.keystoneTimeoutMs, (event: ExchangeEvent) => events.emit('exchange', event), {
    modeOf: (serviceProvider) => (resells(serviceProvider) ? 'reseller' : 'user'),
    ...(config.reseller && { reseller: config.reseller }),
    get serviceToken() {
      return serviceToken;
    },
  });
  const upstream = new Upstream(config.timeoutMs, config.probeTimeoutMs, config.ca);
  const resources = new ResourceTypes(config.resourceTypes);
  const locations = new Locations(config.store, config.serviceType, config.locationTtlSeconds, config.absentTtlSeconds, (event: LocationEvent) => events.emit('location', event));
  const localUpstream = config.local.kind === 'upstream' ? config.local.template : undefined;
  const addresses = new CloudAddresses(localUpstream, { serviceType: config.serviceType, interface: config.interface, region: config.region });
  const links = new AnswerLinks(addresses, config.publicUrl, config.jsonBodyLimitBytes, config.logger);
  const locator = new Locator({ resourceAt, probe: (address, call) => upstream.probe(address.url, probeHeaders(address, call), address.where, config.jsonBodyLimitBytes) }, sessions, locations, resources, {
    maxSearchesPerCaller: config.maxSearchesPerCaller,
    logger: config.logger,
    onProbe: (event: ProbeEvent) => events.emit('probe', event),
    onSearch: (event: SearchEvent) => events.emit('search', event),
  });
  const health = new HealthTracker(config.store, config.serviceType);
  const executor = new Executor(upstream, sessions, locator, locations, addresses, {
    localUpstream: localUpstream !== undefined,
    search: config.search,
    outgoingHeaders,
    observe: (destination, ok, latencyMs) => health.record(destinationName(destination) ?? config.localName, ok, latencyMs),
  });
  const sessionFor = (asker: Asker, serviceProvider: ServiceProvider) =>
    sessions.get({ userToken: asker.userToken ?? '', serviceProvider, callerProjectName: asker.identity?.project?.name, callerProjectId: asker.identity?.project?.id });
  const quotas = new QuotaReader(
    config.resourceTypes,
    {
      session: sessionFor,
      address: (destination, request, userToken) => (destination.kind === 'local' && !localUpstream ? undefined : addresses.of(destination, request, userToken)),
      read: (address, asker) => {
        const headers = { 'x-auth-token': address.token, 'x-openstack-request-id': asker.requestId, [PROXY_LIST_HEADER]: config.proxyId, accept: 'application/json' };
        return upstream.read(address.url, resells(address.serviceProvider) ? { ...headers, ...anonymousIds() } : headers, address.where, config.jsonBodyLimitBytes);
      },
    },
    config.probeTimeoutMs,
  );
  // 'local' places nothing: no placer, and no rule that makes 'place' targets.
  const placer =
    config.placement === 'local'
      ? undefined
      : new Placer(
          { policy: config.placement, serviceType: config.serviceType, bodyLimitBytes: config.jsonBodyLimitBytes },
          resources,
          new Candidates(config.localName, health, quotas, config.targetMetadata),
          health,
          (call, target, progress) => executor.execute(call, target, progress),
          (event: PlacementEvent) => events.emit('placement', event),
        );
  const describer = new TargetDescriber(config.serviceType, config.localName, { session: sessionFor }, health, quotas, config.targetMetadata);
  const learner = config.learn ? new Learner(locations, resources, config.learnListLimit) : undefined;
  const markers = new MarkerLocations(locations, config.search ? locator : undefined, config.learn);
  const aggregator = new Aggregator(
    config.store,
    {
      session: (call, serviceProvider) => sessions.get({ userToken: call.userToken ?? '', serviceProvider, callerProjectName: call.identity?.project?.name, callerProjectId: call.identity?.project?.id }),
      address: (call, destination, rest, query) => addresses.of(destination, call.request, call.userToken ?? '', rest, query),
      read: (address, call) => upstream.read(address.url, probeHeaders(address, call), address.where, config.listBodyLimitBytes),
      links: (call, destination) => links.of(call, destination).map,
    },
    { serviceType: config.serviceType, localName: config.localName, pageLimit: config.pageLimit, bodyLimitBytes: config.listBodyLimitBytes },
    (call, id, candidates) => markers.find(call, id, candidates),
  );
  // A pinned mount's rule decides every request: no other rule applies there.
  const rules: RoutingRule[] = config.pin
    ? [pinnedMount(config.pin)]
    : [
        explicitHeaders,
        qualifiedId,
        qualifiedName(resources, config.jsonBodyLimitBytes),
        ...(placer ? [placeCreate(resources, config.jsonBodyLimitBytes)] : []),
        ...(config.learn ? [learnedLocation(locations, resources)] : []),
        ...(config.search ? [searchUnknownId(resources)] : []),
        // Merging needs the local cloud's list too: only in front of a local upstream.
        ...(config.aggregate && localUpstream ? [aggregateList(new Set(config.aggregateResourceTypes))] : []),
      ];

  function handleRequest(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, requestId: string, parsed?: ApiRequest): void {
    handle(req, res, next, requestId, parsed).catch((error: unknown) => {
      if (!(error instanceof OpenStackError)) config.logger.error({ requestId, err: { message: (error as Error)?.message } }, 'k2kForward failed');
      writeOpenStackError(req, res, error);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, requestId: string, parsed?: ApiRequest): Promise<void> {
    const call = parse(req, res, requestId, parsed);
    const target = await route(rules, { req, request: call.request, identity: call.identity, localName: config.localName }, call.limits);
    if (target.kind === 'fanout') return mergeList(call, target);
    return forwardOne(call, target, next);
  }

  /** Discovery: every target the caller may use, as the routing limits (allow-list, endpoint policy) allow. */
  async function describe(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<TargetDescription[]> {
    const call = parse(req, res, requestId);
    return describer.describe({ identity: call.identity, userToken: call.userToken, requestId: call.upstreamRequestId }, offeredServiceProviders(call.identity, call.limits));
  }

  /** Steps 3 to 7 for a list asked of every cloud: fetched and merged, answered, each item learned. */
  async function mergeList(call: Call, target: Extract<Target, { kind: 'fanout' }>): Promise<void> {
    const list = await aggregator.list(call, target.serviceProviders, true);
    answerList(call.res, list.body, list.partial);
    reportForward(call, undefined, 200, undefined);
    await learner?.learnItems(call, list.learned);
  }

  /** Steps 3 to 5: sent where the target says, or where the placement policy puts a create. */
  function deliver(call: Call, target: SingleTarget | Extract<Target, { kind: 'place' }>): Promise<Delivery> {
    if (target.kind !== 'place') return executor.execute(call, target);
    // Only a placement policy installs the rule that makes 'place' targets.
    if (!placer) throw new Error('a create to place, without a placement policy');
    return placer.place(call, target.serviceProviders);
  }

  /** Steps 3 to 7 for a request one cloud answers. */
  async function forwardOne(call: Call, target: SingleTarget | Extract<Target, { kind: 'place' }>, next: (error?: unknown) => void): Promise<void> {
    const { res } = call;
    const delivery = await deliver(call, target);
    if (delivery.kind === 'next') {
      if (learner) learnFromLocalRoutes(call, delivery, learner);
      return next();
    }
    const { destination, response } = delivery;
    const serviceProvider = destinationName(destination);
    // A passthrough target is no cloud another rule could route to: nothing is learned from its answers.
    const teacher = destination.kind === 'passthrough' ? undefined : learner;
    const lesson: Lesson = {
      call,
      location: destination.kind === 'remote' ? { serviceProvider: destination.serviceProvider.id, projectId: destination.session.projectId } : { serviceProvider: null },
      status: response.status,
      routedByLearning: 'learned' in delivery.target && delivery.target.learned === true,
      searched: delivery.target.kind === 'locate',
    };
    await teacher?.learnFromStatus(lesson);
    // A placed create names where it went, the local cloud included: the caller did not choose.
    const named = serviceProvider ?? (target.kind === 'place' ? config.localName : undefined);
    // A create's new id is stored before the answer's end leaves (read-your-writes on any worker or
    // host); a list's items are learned after it, so the list is not held up.
    const creates = teacher?.learnsCreate(call) === true;
    const body = await answer(res, response, {
      serviceProvider: named,
      keepJsonUpTo: teacher?.wantsBody(call) ? config.jsonBodyLimitBytes : 0,
      links: links.of(call, destination),
      ...(creates && { beforeEnd: (copy) => teacher.learnFromBody(lesson, copy) }),
    });
    reportForward(call, serviceProvider, response.status, response.headers['x-openstack-request-id']);
    if (!creates) await teacher?.learnFromBody(lesson, body);
  }

  /** Step 1: the request taken apart, with who is calling and the proxies it passed. */
  function parse(req: IncomingMessage, res: ServerResponse, requestId: string, parsed?: ApiRequest): Call {
    const identity = req.keystone;
    const request = splitQualifiedId(parsed ?? parseApiRequest(req.method ?? 'GET', req.url ?? '/', identity?.project?.id), resources);
    const passed = proxiesPassed(req);
    const userToken = req.headers['x-auth-token'];
    const incomingId = req.headers['x-openstack-request-id'];
    const globalRequestId = typeof incomingId === 'string' && GLOBAL_REQUEST_ID.test(incomingId) ? incomingId : undefined;
    return {
      req,
      res,
      request,
      identity,
      requestId,
      upstreamRequestId: globalRequestId ?? requestId,
      ...(globalRequestId && { globalRequestId }),
      userToken: (Array.isArray(userToken) ? userToken[0] : userToken) || undefined,
      proxyList: extendedProxyList(passed, config.proxyId),
      limits: {
        looped: passed.includes(config.proxyId),
        allowedServiceProviders: config.serviceProviders,
        interface: config.interface,
        refusal: endpointRefusal(config.endpointPolicy, identity, config.serviceType),
      },
      started: Date.now(),
    };
  }

  /** The service's own routes answer local requests: learn from their status once they have. */
  function learnFromLocalRoutes(call: Call, delivery: Extract<Delivery, { kind: 'next' }>, using: Learner): void {
    call.res.once('finish', () => {
      const routedByLearning = delivery.target.kind === 'local' && delivery.target.learned === true;
      // What no SP claimed in a search, the service's own routes answered: theirs to learn.
      using.learnFromStatus({ call, location: { serviceProvider: null }, status: call.res.statusCode, routedByLearning, searched: false }).catch(() => undefined);
    });
  }

  /** Where a search probes: the resource itself, without the action or query. */
  function resourceAt(call: Call, destination: Destination): CloudAddress | undefined {
    if (destination.kind === 'local' && (!localUpstream || !call.userToken)) return undefined;
    return addresses.of(destination, call.request, call.userToken ?? '', call.request.resourcePath, '');
  }

  function probeHeaders(address: CloudAddress, call: Call): Record<string, string> {
    // Its body is read for what it describes: uncompressed.
    const headers = { 'x-auth-token': address.token, 'x-openstack-request-id': call.upstreamRequestId, [PROXY_LIST_HEADER]: call.proxyList, accept: 'application/json', 'accept-encoding': 'identity' };
    return resells(address.serviceProvider) ? { ...headers, ...anonymousIds() } : headers;
  }

  /** What a reseller SP gets instead of the caller's request id and proxy chain: nothing it could correlate. */
  function anonymousIds(): Record<string, string> {
    return { 'x-openstack-request-id': anonymousRequestId(), [PROXY_LIST_HEADER]: config.proxyId };
  }

  function outgoingHeaders(call: Call, destination: Destination): { remove: ReadonlySet<string>; headers: Record<string, string> } {
    // Answers are read for their links: a compressed one would pass with links pointing upstream.
    const headers: Record<string, string> = { 'x-openstack-request-id': call.upstreamRequestId, [PROXY_LIST_HEADER]: call.proxyList, 'accept-encoding': 'identity' };
    if (destination.kind !== 'remote') return { remove: NOT_FORWARDED, headers };
    if (!resells(destination.serviceProvider.id)) return { remove: NOT_FOR_SERVICE_PROVIDERS, headers };
    return { remove: NOT_FOR_RESELLERS, headers: { ...headers, ...anonymousIds() } };
  }

  function reportForward(call: Call, serviceProvider: string | undefined, status: number, remoteRequestId: string | string[] | undefined): void {
    const event: ForwardEvent = { serviceProvider, method: call.request.method, resourceType: call.request.resourceType ?? '', status, durationMs: Date.now() - call.started };
    events.emit('forward', event);
    // debug: a gateway logs one line per request of its own; this adds the remote request id.
    config.logger.debug(
      { requestId: call.requestId, globalRequestId: call.globalRequestId, remoteRequestId, serviceProvider: serviceProvider ?? config.localName, method: event.method, resourceType: event.resourceType, status, durationMs: event.durationMs },
      'forwarded',
    );
  }

  return {
    handle: handleRequest,
    describe,
    adoptServiceToken: (given) => {
      serviceToken ??= given;
    },
    stats: () => ({ ...sessions.stats(), locations: locations.stats() }),
    close: async () => {
      await health.close();
      upstream.close();
      if (!keystone) await idp.close();
    },
  };
}
