import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError, requestIdOf, silentLogger, writeOpenStackError, type KeystoneContext } from '@k2k/common';
import { createStore, storeOption, type Store } from '@k2k/store';
import { createPipeline, inferServiceType, parseApiRequest, sumForwardStats, type ApiRequest, type ForwardStats, type Pipeline, type TargetDescription } from '@k2k/engine';
import { engineSettings, parseForwardOptions, type K2KForwardOptions } from './options.js';

export interface K2KForwardMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /**
   * Emits 'forward' (ForwardEvent) for every forwarded request, 'exchange' (ExchangeEvent) for
   * every K2K exchange, 'location' (LocationEvent) for every location learned, forgotten or
   * remembered as absent, 'search' (SearchEvent) and 'probe' (ProbeEvent) for searches,
   * 'placement' (PlacementEvent) for every create the placement policy placed, or failed to place
   * because no candidate could be reached.
   */
  readonly events: EventEmitter;
  /**
   * Every target the caller of `req` (after keystoneAuth) may use for the services this middleware
   * has pipelines for (with serviceType and authUrl given: its one service), as discovery shows
   * them: the local cloud and each SP, with the caller's catalog and project there, this gateway's
   * health, the caller's quotas and the operator's metadata.
   */
  describeTargets(req: IncomingMessage, res: ServerResponse): Promise<TargetDescription[]>;
  stats(): ForwardStats;
  close(): Promise<void>;
}

/**
 * Express / Connect middleware that sends an OpenStack API call to the cloud that holds the
 * resource, through K2K federation. A request's journey: parse, route (the mount's pin, routing
 * headers, a qualified id or name, a learned location, a search, a merged list, else local),
 * execute (a scoped token at the service provider, its endpoint, the request sent), answer,
 * learn. Mount keystoneAuth before it: it needs the confirmed caller (`req.keystone`), and with no
 * options it takes keystoneAuth's Keystone URL and client, store and logger (`req.keystoneContext`)
 * and infers the service from the mount path or the resource type.
 */
export function k2kForward(options: K2KForwardOptions = {}): K2KForwardMiddleware {
  const config = parseForwardOptions(options);
  const events = new EventEmitter();
  /** One engine pipeline per (service, Keystone, store): with every option given, just one, made now. */
  const pipelines = new Map<string, Pipeline>();
  /** Each store a pipeline was made for, numbered: part of the pipeline's key */
  const storeIds = new WeakMap<object, number>();
  let storesSeen = 0;
  let ownStore: Store | undefined;
  const storeKey = (store: Store): number => {
    let id = storeIds.get(store);
    if (id === undefined) storeIds.set(store, (id = storesSeen++));
    return id;
  };
  // Nothing of its own for Keystone: a pipeline shares keystoneAuth's client (and its connections).
  const ownKeystone = config.authUrl !== undefined || config.ca !== undefined || options.keystoneTimeoutMs !== undefined;
  if (config.serviceType && config.authUrl) pipelineFor(config.serviceType, config.authUrl, undefined);

  const middleware = function k2kForwardMiddleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const requestId = requestIdOf(req, res);
    let pipeline: Pipeline;
    /** Parsed here when the service is inferred from it; the pipeline's step 1 then takes it as it is */
    let parsed: ApiRequest | undefined;
    try {
      const authUrl = config.authUrl ?? req.keystoneContext?.authUrl;
      if (!authUrl) throw new OpenStackError(500, 'k2kForward needs keystoneAuth mounted before it (or its authUrl option).');
      if (!config.serviceType) parsed = parseApiRequest(req.method ?? 'GET', req.url ?? '/', req.keystone?.project?.id);
      const serviceType = config.serviceType ?? inferServiceType(req, parsed?.resourceType);
      pipeline = pipelineFor(serviceType, authUrl, req.keystoneContext);
    } catch (error) {
      return writeOpenStackError(req, res, error);
    }
    pipeline.handle(req, res, next, requestId, parsed);
  };

  function pipelineFor(serviceType: string, authUrl: string, context: KeystoneContext | undefined): Pipeline {
    const store = config.store ?? (context && storeOption(context.store, 'keystoneAuth store')) ?? (ownStore ??= createStore());
    const key = `${serviceType}\n${authUrl}\n${storeKey(store)}`;
    let pipeline = pipelines.get(key);
    if (!pipeline) {
      // keystoneAuth's CAs come with its Keystone's URL (not with an authUrl of our own): the key's authUrl settles them.
      const keystoneAuthCa = config.authUrl ? undefined : context?.ca;
      pipeline = createPipeline(engineSettings(config, { serviceType, authUrl, store, logger: config.logger ?? context?.logger ?? silentLogger, serviceToken: context?.serviceToken, keystoneAuthCa }), events, ownKeystone ? undefined : context?.keystone);
      pipelines.set(key, pipeline);
    }
    // One made at construction (every option given) meets keystoneAuth's service token with the first request.
    if (context?.serviceToken) pipeline.adoptServiceToken(context.serviceToken);
    return pipeline;
  }

  return Object.assign(middleware, {
    events,
    describeTargets: async (req: IncomingMessage, res: ServerResponse) => {
      const requestId = requestIdOf(req, res);
      const all = await Promise.all([...pipelines.values()].map((pipeline) => pipeline.describe(req, res, requestId)));
      return all.flat();
    },
    stats: () => sumForwardStats([...pipelines.values()].map((pipeline) => pipeline.stats())),
    close: async () => {
      await Promise.all([...pipelines.values()].map((pipeline) => pipeline.close()));
      await ownStore?.close();
    },
  });
}
