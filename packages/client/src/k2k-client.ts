import { EventEmitter } from 'node:events';
import { requireObject, requireString } from '@k2k/common';
import { KeystoneClient, ServiceToken } from '@k2k/keystone';
import type { ForwardStats } from '@k2k/engine';
import { CallerIdentities } from './caller-identities.js';
import { homeRegion } from './home-region.js';
import { LocalRouting } from './local-routing.js';
import { parseClientOptions, type K2KClientOptions } from './options.js';
import { ServicePipelines } from './service-pipelines.js';
import { ClientSession } from './session.js';

/** Who a session calls as. */
export interface SessionOptions {
  /** The caller's project-scoped token at the local Keystone. Default: a token of the client's own credentials */
  token?: string;
}

export interface K2KClient {
  /** One caller's session: `.service(type)` gives a client for one of its services. */
  session(options?: SessionOptions): ClientSession;
  /**
   * Routes calls that code already makes to the local cloud's endpoints by URL, unchanged: its
   * `fetch` sends a call whose URL is below an endpoint of the local catalog (read with the
   * session's token) and that carries X-Auth-Token through this client as that token's caller;
   * every other call goes to the fetch it replaced, untouched. `install()` puts it in
   * `globalThis.fetch`, `uninstall()` puts the original back; `httpAgent()` and `httpsAgent()`
   * give the same routing to node:http and node:https code; `close()` ends them all.
   */
  localRouting(options?: SessionOptions): Promise<LocalRouting>;
  /** The engine's events, as k2kForward emits them: 'forward', 'exchange', 'location', 'search', 'probe', 'placement' */
  readonly events: EventEmitter;
  stats(): ForwardStats;
  close(): Promise<void>;
}

/**
 * The engine's outgoing face (DESIGN "The outgoing path"): a service's own calls to other
 * services, routed to the cloud that holds each resource through K2K, with the learned locations,
 * search, merged lists, placement and endpoint policy of k2kForward, through the same store. No
 * options: the OpenStack environment (OS_CLOUD and clouds.yaml, or OS_AUTH_URL...) gives the
 * Keystone and the client's own user. Options are checked here: a bad one throws naming it.
 */
export function k2kClient(options: K2KClientOptions = {}): K2KClient {
  const config = parseClientOptions(options);
  const events = new EventEmitter();
  const keystone = new KeystoneClient({ authUrl: config.authUrl, timeoutMs: config.keystoneTimeoutMs, ...(config.ca && { ca: config.ca }) });
  const identities = new CallerIdentities(keystone, config.store, config.identityCacheTtlSeconds);
  const pipelines = new ServicePipelines(config, events, keystone);
  const own = config.credentials && new ServiceToken(keystone, config.credentials);

  const caller = (given: SessionOptions) => {
    const session = requireObject(given, 'session options');
    const token = session.token === undefined ? undefined : requireString(session.token, 'session options.token');
    const identity = (of: string) => identities.of(of);
    const { authUrl } = config;
    if (token !== undefined) return { token: () => Promise.resolve(token), identity, authUrl };
    if (!own) throw new TypeError('k2kClient: session() needs a token, or the client its own credentials (the credentials option, or the OpenStack environment)');
    return { token: () => own.id(), identity, authUrl };
  };

  return {
    events,
    session: (given = {}) => new ClientSession(caller(given), config, pipelines),
    localRouting: async (given = {}) => {
      const session = new ClientSession(caller(given), config, pipelines);
      const owner = await session.identity();
      // The local cloud's own endpoints: a virtual region's (a gateway's) are left as they are.
      const home = homeRegion(owner.catalog, config.authUrl);
      return new LocalRouting(owner, (serviceType, region) => pipelines.knows(serviceType) && (home === undefined || region === home), (token) => new ClientSession(caller({ token }), config, pipelines), config.ca);
    },
    stats: () => pipelines.stats(),
    close: async () => {
      await pipelines.close();
      await keystone.close();
      if (config.ownStore) await config.store.close();
    },
  };
}
