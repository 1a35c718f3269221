import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { silentLogger } from '@k2k/common';
import { OpenStackError, requestIdOf, writeOpenStackError, type KeystoneContext } from '@k2k/keystone';
import { createStore, storeOption, type Store } from '@k2k/store';
import { createForwarder, inferServiceType, parseApiRequest, type ApiRequest, type Forwarder, type ForwardStats, type TargetDescription } from '@k2k/engine';
import { forwarderSettings, parseForwardOptions, type K2KForwardOptions } from './options.js';

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
   * has forwarders for (with serviceType and authUrl given: its one service), as discovery shows
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
  /** One forwarder per (service, Keystone, store): with every option given, just one, made now. */
  const forwarders = new Map<string, Forwarder>();
  /** Each store a forwarder was made for, numbered: part of the forwarder's key */
  const storeIds = new WeakMap<object, number>();
  let storesSeen = 0;
  let ownStore: Store | undefined;
  const storeKey = (store: Store): number => {
    let id = storeIds.get(store);
    if (id === undefined) storeIds.set(store, (id = storesSeen++));
    return id;
  };
  // Nothing of its own for Keystone: a forwarder shares keystoneAuth's client (and its connections).
  const ownKeystone = config.authUrl !== undefined || config.ca !== undefined || options.keystoneTimeoutMs !== undefined;
  if (config.serviceType && config.authUrl) forwarderFor(config.serviceType, config.authUrl, undefined);

  const middleware = function k2kForwardMiddleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const requestId = requestIdOf(req, res);
    let forwarder: Forwarder;
    /** Parsed here when the service is inferred from it; the forwarder's step 1 then takes it as it is */
    let parsed: ApiRequest | undefined;
    try {
      const authUrl = config.authUrl ?? req.keystoneContext?.authUrl;
      if (!authUrl) throw new OpenStackError(500, 'k2kForward needs keystoneAuth mounted before it (or its authUrl option).');
      if (!config.serviceType) parsed = parseApiRequest(req.method ?? 'GET', req.url ?? '/', req.keystone?.project?.id);
      const serviceType = config.serviceType ?? inferServiceType(req, parsed?.resourceType);
      forwarder = forwarderFor(serviceType, authUrl, req.keystoneContext);
    } catch (error) {
      return writeOpenStackError(req, res, error);
    }
    forwarder.handle(req, res, next, requestId, parsed);
  };

  function forwarderFor(serviceType: string, authUrl: string, context: KeystoneContext | undefined): Forwarder {
    const store = config.store ?? (context && storeOption(context.store, 'keystoneAuth store')) ?? (ownStore ??= createStore());
    const key = `${serviceType}\n${authUrl}\n${storeKey(store)}`;
    let forwarder = forwarders.get(key);
    if (!forwarder) {
      // keystoneAuth's CAs come with its Keystone's URL (not with an authUrl of our own): the key's authUrl settles them.
      const keystoneAuthCa = config.authUrl ? undefined : context?.ca;
      forwarder = createForwarder(forwarderSettings(config, { serviceType, authUrl, store, logger: config.logger ?? context?.logger ?? silentLogger, serviceToken: context?.serviceToken, keystoneAuthCa }), events, ownKeystone ? undefined : context?.keystone);
      forwarders.set(key, forwarder);
    }
    // One made at construction (every option given) meets keystoneAuth's service token with the first request.
    if (context?.serviceToken) forwarder.adoptServiceToken(context.serviceToken);
    return forwarder;
  }

  return Object.assign(middleware, {
    events,
    describeTargets: async (req: IncomingMessage, res: ServerResponse) => {
      const requestId = requestIdOf(req, res);
      const all = await Promise.all([...forwarders.values()].map((forwarder) => forwarder.describe(req, res, requestId)));
      return all.flat();
    },
    stats: () => sumStats([...forwarders.values()].map((forwarder) => forwarder.stats())),
    close: async () => {
      await Promise.all([...forwarders.values()].map((forwarder) => forwarder.close()));
      await ownStore?.close();
    },
  });
}

function sumStats(all: ForwardStats[]): ForwardStats {
  const total: ForwardStats = { exchanges: 0, failures: 0, cache: { hits: 0, misses: 0 }, locations: { hits: 0, misses: 0 } };
  for (const stats of all) {
    total.exchanges += stats.exchanges;
    total.failures += stats.failures;
    for (const part of ['cache', 'locations'] as const) {
      total[part].hits += stats[part].hits;
      total[part].misses += stats[part].misses;
    }
  }
  return total;
}

