import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { globalRequestIdOf, OpenStackError, writeOpenStackError } from '@k2k/common';
import type { Aggregator } from './aggregate/aggregate.js';
import { answer, answerList } from './answer/answer.js';
import type { AnswerLinks } from './answer/answer-links.js';
import type { Call } from './call.js';
import { destinationName } from './execute/cloud-address.js';
import type { Delivery, Executor } from './execute/execute.js';
import type { Learner, Outcome } from './learn/learn.js';
import type { ResourceTypes } from './learn/resource-types.js';
import { microversionAnswer } from './parse/microversion.js';
import { parseApiRequest, type ApiRequest } from './parse/parse-request.js';
import { extendedProxyList, proxiesPassed } from './parse/proxy-chain.js';
import { splitQualifiedId } from './parse/qualifier.js';
import type { TargetDescriber, TargetDescription } from './place/describe-targets.js';
import type { Placer } from './place/place.js';
import { endpointRefusal } from './policy/endpoint-policy.js';
import { offeredServiceProviders, route } from './route/route.js';
import type { RoutingRule, SingleTarget, Target } from './route/target.js';
import type { EngineSettings } from './settings.js';

/** A request the engine sent somewhere, for metrics and logs. */
export interface ForwardEvent {
  /** The service provider, or undefined for the local cloud */
  serviceProvider?: string;
  method: string;
  /** The resource type the path names ('volumes'), or '' */
  resourceType: string;
  status: number;
  durationMs: number;
}

/** K2K exchanges and cache counts. */
export interface ForwardStats {
  exchanges: number;
  failures: number;
  /** Remote sessions */
  cache: { hits: number; misses: number };
  /** Learned locations */
  locations: { hits: number; misses: number };
}

/** What the pipeline's steps run on, built by compose.ts. */
export interface PipelineParts {
  rules: readonly RoutingRule[];
  resources: ResourceTypes;
  executor: Executor;
  /** Absent: placement 'local', no create is placed */
  placer: Placer | undefined;
  aggregator: Aggregator;
  links: AnswerLinks;
  /** Absent: learning off */
  learner: Learner | undefined;
  describer: TargetDescriber;
  adoptServiceToken(serviceToken: () => Promise<string>): void;
  stats(): ForwardStats;
  close(): Promise<void>;
}

/** A single-cloud target: routed there, or placed by the placement policy. */
type OneCloud = SingleTarget | Extract<Target, { kind: 'place' }>;

/**
 * One request's way through the engine, for one service at one Keystone (DESIGN "One request"):
 * parse, route, execute, answer, learn. No Express: a request and its response, and `handBack` for
 * a request that stays with the service's own routes (Express's `next`).
 */
export class Pipeline {
  constructor(
    private readonly settings: EngineSettings,
    private readonly events: EventEmitter,
    private readonly parts: PipelineParts,
  ) {}

  /** `parsed`: the request already taken apart, when the caller needed it (to infer the service). */
  handle(req: IncomingMessage, res: ServerResponse, handBack: (error?: unknown) => void, requestId: string, parsed?: ApiRequest): void {
    this.run(req, res, handBack, requestId, parsed).catch((error: unknown) => {
      if (!(error instanceof OpenStackError)) this.settings.logger.error({ requestId, err: { message: (error as Error)?.message } }, 'k2kForward failed');
      // An error of this proxy's own for the service, with the microversion the caller asked for, as the service's errors carry it.
      writeOpenStackError(req, res, error, microversionAnswer(req));
    });
  }

  /** Discovery: every target the caller may use, as the routing limits (allow-list, endpoint policy) allow. */
  describe(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<TargetDescription[]> {
    const call = this.parse(req, res, requestId);
    return this.parts.describer.describe({ identity: call.identity, userToken: call.userToken, requestId: call.upstreamRequestId }, offeredServiceProviders(call.identity, call.limits));
  }

  /** The reseller identity's token, unless reseller.serviceToken or an earlier request gave one. */
  adoptServiceToken(serviceToken: () => Promise<string>): void {
    this.parts.adoptServiceToken(serviceToken);
  }

  stats(): ForwardStats {
    return this.parts.stats();
  }

  close(): Promise<void> {
    return this.parts.close();
  }

  private async run(req: IncomingMessage, res: ServerResponse, handBack: (error?: unknown) => void, requestId: string, parsed?: ApiRequest): Promise<void> {
    const call = this.parse(req, res, requestId, parsed);
    const target = await this.route(call);
    if (target.kind === 'fanout') return this.mergeList(call, target);
    const delivery = await this.execute(call, target);
    if (delivery.kind === 'next') return this.handBack(call, delivery, handBack);
    await this.answer(call, target, delivery);
  }

  /** Step 1: the request taken apart, with who is calling and the proxies it passed. */
  private parse(req: IncomingMessage, res: ServerResponse, requestId: string, parsed?: ApiRequest): Call {
    const { settings } = this;
    const identity = req.keystone;
    const request = splitQualifiedId(parsed ?? parseApiRequest(req.method ?? 'GET', req.url ?? '/', identity?.project?.id, settings.api), this.parts.resources);
    const passed = proxiesPassed(req);
    const userToken = req.headers['x-auth-token'];
    const globalRequestId = globalRequestIdOf(req);
    return {
      req,
      res,
      request,
      identity,
      requestId,
      upstreamRequestId: globalRequestId ?? requestId,
      ...(globalRequestId && { globalRequestId }),
      userToken: (Array.isArray(userToken) ? userToken[0] : userToken) || undefined,
      proxyList: extendedProxyList(passed, settings.proxyId),
      limits: {
        looped: passed.includes(settings.proxyId),
        allowedServiceProviders: settings.serviceProviders,
        interface: settings.interface,
        refusal: endpointRefusal(settings.endpointPolicy, identity, settings.serviceType),
      },
      started: Date.now(),
    };
  }

  /** Step 2: the first rule that decides. */
  private route(call: Call): Promise<Target> {
    return route(this.parts.rules, { req: call.req, request: call.request, identity: call.identity, localName: this.settings.localName }, call.limits);
  }

  /** Steps 3 to 5: sent where the target says, or where the placement policy puts a create. */
  private execute(call: Call, target: OneCloud): Promise<Delivery> {
    if (target.kind !== 'place') return this.parts.executor.execute(call, target);
    // Only a placement policy installs the rule that makes 'place' targets.
    if (!this.parts.placer) throw new Error('a create to place, without a placement policy');
    return this.parts.placer.place(call, target.serviceProviders);
  }

  /** Step 6 for a request one cloud answered, with step 7 around it: the status taught before the answer is written. */
  private async answer(call: Call, target: OneCloud, delivery: Extract<Delivery, { kind: 'answered' }>): Promise<void> {
    const { destination, response } = delivery;
    const serviceProvider = destinationName(destination);
    // A passthrough target is no cloud another rule could route to: nothing is learned from its answers.
    const learner = destination.kind === 'passthrough' ? undefined : this.parts.learner;
    const location = destination.kind === 'remote' ? { serviceProvider: destination.serviceProvider.id, projectId: destination.session.projectId } : { serviceProvider: null };
    const routedByLearning = 'learned' in delivery.target && delivery.target.learned === true;
    if (learner) await this.learn(call, { kind: 'status', location, status: response.status, routedByLearning, searched: delivery.target.kind === 'locate' });
    // A placed create names where it went, the local cloud included: the caller did not choose.
    const named = serviceProvider ?? (target.kind === 'place' ? this.settings.localName : undefined);
    // A create's new id is stored before the answer's end leaves (read-your-writes on any worker or
    // host); a list's items are learned after it, so the list is not held up.
    const creates = learner?.learnsCreate(call) === true;
    const body = await answer(call.res, response, {
      serviceProvider: named,
      keepJsonUpTo: learner?.wantsBody(call) ? this.settings.jsonBodyLimitBytes : 0,
      links: this.parts.links.of(call, destination),
      ...(delivery.projectIds && { projectIds: delivery.projectIds }),
      ...(creates && { beforeEnd: (copy) => this.learn(call, { kind: 'body', location, status: response.status, body: copy }) }),
    });
    this.reportForward(call, serviceProvider, response.status, response.headers['x-openstack-request-id']);
    if (learner && !creates) await this.learn(call, { kind: 'body', location, status: response.status, body });
  }

  /** Steps 3 to 7 for a list asked of every cloud: fetched and merged, answered, each item learned. */
  private async mergeList(call: Call, target: Extract<Target, { kind: 'fanout' }>): Promise<void> {
    const list = await this.parts.aggregator.list(call, target.serviceProviders, true);
    answerList(call.res, list.body, list.partial, list.headers);
    this.reportForward(call, undefined, 200, undefined);
    await this.learn(call, { kind: 'items', items: list.learned });
  }

  /** The service's own routes answer a local request: its status is learned from once they have. */
  private handBack(call: Call, delivery: Extract<Delivery, { kind: 'next' }>, handBack: (error?: unknown) => void): void {
    if (this.parts.learner) {
      call.res.once('finish', () => {
        const routedByLearning = delivery.target.kind === 'local' && delivery.target.learned === true;
        // What no SP claimed in a search, the service's own routes answered: theirs to learn.
        this.learn(call, { kind: 'status', location: { serviceProvider: null }, status: call.res.statusCode, routedByLearning, searched: false }).catch(() => undefined);
      });
    }
    handBack();
  }

  /** Step 7, the one entry every path learns through (DESIGN "Learned locations"). */
  private learn(call: Call, outcome: Outcome): Promise<void> {
    return this.parts.learner?.learn(call, outcome) ?? Promise.resolve();
  }

  private reportForward(call: Call, serviceProvider: string | undefined, status: number, remoteRequestId: string | string[] | undefined): void {
    const event: ForwardEvent = { serviceProvider, method: call.request.method, resourceType: call.request.resourceType ?? '', status, durationMs: Date.now() - call.started };
    this.events.emit('forward', event);
    // debug: a gateway logs one line per request of its own; this adds the remote request id.
    this.settings.logger.debug(
      { requestId: call.requestId, globalRequestId: call.globalRequestId, remoteRequestId, serviceProvider: serviceProvider ?? this.settings.localName, method: event.method, resourceType: event.resourceType, status, durationMs: event.durationMs },
      'forwarded',
    );
  }
}
