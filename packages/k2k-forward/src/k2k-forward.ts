import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeystoneClient, OpenStackError, requestIdOf, writeOpenStackError } from '@k2k/keystone';
import { IDENTITY_HEADERS } from '@k2k/keystone-auth';
import { Forwarder, type ForwardPlan } from './forwarder.js';
import { localUrl } from './local-url.js';
import { parseForwardOptions, type K2KForwardOptions } from './options.js';
import { parseRequestPath, type ParsedPath } from './parse-request.js';
import { extendedProxyList, PROXY_LIST_HEADER, proxiesPassed } from './proxy-chain.js';
import { RemoteSessions, type ExchangeEvent, type SessionRequest } from './remote-session.js';
import { remoteUrl } from './remote-url.js';
import { ROUTING_HEADERS } from './routing-headers.js';
import { chooseTarget, explicitHeaders, stayLocal, type RoutingRule, type Target } from './routing.js';

/** Headers that stop here: the caller's routing headers and the identity headers keystoneAuth set. */
const NOT_FORWARDED: readonly string[] = [...ROUTING_HEADERS, ...IDENTITY_HEADERS];

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

export interface K2KForwardMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Emits 'forward' (ForwardEvent) for every forwarded request and 'exchange' (ExchangeEvent) for every K2K exchange */
  readonly events: EventEmitter;
  stats(): ReturnType<RemoteSessions['stats']>;
  close(): Promise<void>;
}

/**
 * Express / Connect middleware that sends an OpenStack API call to the cloud that holds the
 * resource, through K2K federation: parse the path, choose the target (routing headers, else
 * local), get a scoped token at the service provider, pick its endpoint, forward, answer as-is.
 * Mount keystoneAuth before it: it needs the confirmed caller (`req.keystone`).
 */
export function k2kForward(options: K2KForwardOptions): K2KForwardMiddleware {
  const config = parseForwardOptions(options);
  const events = new EventEmitter();
  const idp = new KeystoneClient({ authUrl: config.authUrl, timeoutMs: config.keystoneTimeoutMs });
  const sessions = new RemoteSessions(idp, config.store, config.tokenSafetyMarginSeconds, config.keystoneTimeoutMs, (event: ExchangeEvent) => events.emit('exchange', event));
  const forwarder = new Forwarder(config.timeoutMs, config.logger);
  const rules: RoutingRule[] = [explicitHeaders, stayLocal];

  const middleware = function k2kForwardMiddleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const requestId = requestIdOf(req, res);
    route(req, res, next, requestId).catch((error: unknown) => {
      if (!(error instanceof OpenStackError)) config.logger.error({ requestId, err: { message: (error as Error)?.message } }, 'k2kForward failed');
      writeOpenStackError(req, res, error);
    });
  };

  async function route(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, requestId: string): Promise<void> {
    const identity = req.keystone;
    const parsed = parseRequestPath(req.url ?? '/', identity?.project?.id);
    const passed = proxiesPassed(req);
    const target = await chooseTarget(rules, {
      req,
      parsed,
      identity,
      looped: passed.includes(config.proxyId),
      localName: config.localName,
      allowedServiceProviders: config.serviceProviders,
    });
    const context: RequestContext = { requestId, parsed, proxyList: extendedProxyList(passed, config.proxyId), userToken: headerValue(req, 'x-auth-token') };
    if (target.kind === 'local') return stayHere(req, res, next, context);
    await sendRemote(req, res, target, context, false);
  }

  /** Rule 6: the service's own routes (next), or the local upstream with the user's own token. */
  function stayHere(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, context: RequestContext): void {
    if (config.local.kind === 'next') return next();
    const started = Date.now();
    forwarder.forward(req, res, {
      url: localUrl(config.local.template, context.parsed),
      headers: outgoingHeaders(context),
      requestId: context.requestId,
      done: (outcome) => reportForward(req, context, undefined, outcome.status, started, outcome.remoteRequestId),
    });
  }

  async function sendRemote(req: IncomingMessage, res: ServerResponse, target: Extract<Target, { kind: 'remote' }>, context: RequestContext, retried: boolean): Promise<void> {
    const { userToken } = context;
    if (!userToken) throw new OpenStackError(401, 'The request you have made requires authentication.');
    const sessionRequest: SessionRequest = { userToken, serviceProvider: target.serviceProvider, project: target.project, callerProjectName: req.keystone?.project?.name };
    const started = Date.now();
    const session = await sessions.get(sessionRequest);
    const sp = target.serviceProvider.id;
    const plan: ForwardPlan = {
      url: remoteUrl(session.catalog, { serviceType: config.serviceType, interface: target.interface ?? config.interface, region: config.region }, context.parsed, session.projectId, sp),
      // The local token never leaves for a service provider: the remote one replaces it.
      headers: { ...outgoingHeaders(context), 'x-auth-token': session.token, 'x-service-token': undefined },
      serviceProvider: sp,
      requestId: context.requestId,
      done: (outcome) => reportForward(req, context, sp, outcome.status, started, outcome.remoteRequestId),
    };
    if (!retried && replayable(req)) {
      // The SP refused a cached token (revoked there, or its Keystone restarted): one fresh exchange.
      plan.retryOn401 = () => {
        config.logger.info({ requestId: context.requestId, serviceProvider: sp }, 'remote token refused; exchanging again');
        sessions
          .forget(sessionRequest)
          .then(() => sendRemote(req, res, target, context, true))
          .catch((error: unknown) => writeOpenStackError(req, res, error));
      };
    }
    forwarder.forward(req, res, plan);
  }

  function outgoingHeaders(context: RequestContext): Record<string, string | undefined> {
    const headers: Record<string, string | undefined> = {};
    for (const name of NOT_FORWARDED) headers[name] = undefined;
    headers['x-openstack-request-id'] = context.requestId;
    headers[PROXY_LIST_HEADER] = context.proxyList;
    return headers;
  }

  function reportForward(req: IncomingMessage, context: RequestContext, serviceProvider: string | undefined, status: number, started: number, remoteRequestId?: string): void {
    const event: ForwardEvent = { serviceProvider, method: req.method ?? 'GET', resourceType: context.parsed.resourceType ?? '', status, durationMs: Date.now() - started };
    events.emit('forward', event);
    config.logger.info({ requestId: context.requestId, remoteRequestId, serviceProvider: serviceProvider ?? config.localName, method: event.method, resourceType: event.resourceType, status, durationMs: event.durationMs }, 'forwarded');
  }

  return Object.assign(middleware, {
    events,
    stats: () => sessions.stats(),
    close: async () => {
      forwarder.close();
      await idp.close();
    },
  });
}

interface RequestContext {
  requestId: string;
  parsed: ParsedPath;
  /** MM-PROXY-LIST for the next hop */
  proxyList: string;
  /** The caller's local token, read before forwarding rewrites the headers */
  userToken: string | undefined;
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

/** Whether the request can be sent again: no body, or one a body parser already holds. */
function replayable(req: IncomingMessage): boolean {
  if ((req as IncomingMessage & { body?: unknown }).body !== undefined && req.readableEnded) return true;
  return Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined;
}

