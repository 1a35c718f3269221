import type { EndpointInterface, ServiceProvider } from '@k2k/keystone';
import type { Call } from './call.js';
import { remoteEndpoint, type EndpointChoice } from './endpoints.js';
import type { Locator } from './locate.js';
import type { Locations } from './locations.js';
import type { RemoteSession, RemoteSessions, SessionRequest } from './remote-session.js';
import { offeredServiceProviders } from './routing/route.js';
import type { Target } from './routing/target.js';
import { upstreamPath } from './upstream-path.js';
import { composeUpstreamUrl } from './upstream-url.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from './upstream.js';

/** The cloud a request was sent to. */
export type Destination = { kind: 'local' } | { kind: 'remote'; serviceProvider: ServiceProvider; session: RemoteSession; interface?: EndpointInterface };

/** How executing a request ended: handed to the service's own routes, or answered by an upstream. */
export type Delivery =
  | { kind: 'next'; target: Target }
  | { kind: 'answered'; destination: Destination; response: UpstreamResponse; target: Target };

export interface ExecuteSettings {
  /** The local upstream's URL template, or undefined when local requests go to next() */
  localUpstream: URL | undefined;
  serviceType: string;
  interface: EndpointChoice['interface'];
  region: string | undefined;
  /** Whether a stale learned location may be searched again */
  search: boolean;
  /** Headers to set on every upstream request (undefined removes one) */
  outgoingHeaders(call: Call): Record<string, string | undefined>;
}

/**
 * Steps 3 to 5: resolves the target to a cloud (a search for `locate`, a scoped token for a
 * service provider), sends the request and returns the upstream's answer. Two answers are not
 * the client's: a 401 from a service provider (its cached token was revoked: one fresh exchange,
 * then again) and a 404 where a learned location pointed (the resource moved: forget, search once
 * more, then again); both only for requests that can be sent twice.
 */
export class Executor {
  constructor(
    private readonly upstream: Upstream,
    private readonly sessions: RemoteSessions,
    private readonly locator: Locator,
    private readonly locations: Locations,
    private readonly settings: ExecuteSettings,
  ) {}

  async execute(call: Call, firstTarget: Target): Promise<Delivery> {
    let target = firstTarget;
    let renewedToken = false;
    for (;;) {
      const destination = await this.resolve(call, target);
      if (destination.kind === 'local' && !this.settings.localUpstream) return { kind: 'next', target };
      const response = await this.upstream.send(call.req, call.res, this.upstreamRequest(call, destination));
      if (response.status === 401 && destination.kind === 'remote' && !renewedToken && replayable(call)) {
        response.body.resume();
        renewedToken = true;
        await this.sessions.forget(this.sessionRequest(call, destination.serviceProvider, target), destination.session);
        target = {
          kind: 'remote',
          serviceProvider: destination.serviceProvider,
          ...(target.kind === 'remote' && target.project && { project: target.project }),
          ...(destination.interface && { interface: destination.interface }),
          reason: 'remote token refused: exchanged again',
        };
        continue;
      }
      const key = this.locations.keyOf(call.identity, call.request);
      if (response.status === 404 && 'learned' in target && target.learned && this.settings.search && key && replayable(call)) {
        response.body.resume();
        await this.locations.forget(key);
        target = { kind: 'locate', candidates: offeredServiceProviders(call.identity, call.limits), reason: 'learned location is stale: search again' };
        continue;
      }
      return { kind: 'answered', destination, response, target };
    }
  }

  private async resolve(call: Call, target: Target): Promise<Destination> {
    switch (target.kind) {
      case 'local':
        return { kind: 'local' };
      case 'remote':
        return {
          kind: 'remote',
          serviceProvider: target.serviceProvider,
          session: await this.sessions.get(this.sessionRequest(call, target.serviceProvider, target)),
          ...(target.interface && { interface: target.interface }),
        };
      case 'locate':
        return this.locator.locate(call, target.candidates);
    }
  }

  private sessionRequest(call: Call, serviceProvider: ServiceProvider, target: Target): SessionRequest {
    return {
      userToken: call.userToken ?? '',
      serviceProvider,
      ...(target.kind === 'remote' && target.project && { project: target.project }),
      callerProjectName: call.identity?.project?.name,
    };
  }

  private upstreamRequest(call: Call, destination: Destination): UpstreamRequest {
    const headers = this.settings.outgoingHeaders(call);
    const { request } = call;
    if (destination.kind === 'local') {
      const template = this.settings.localUpstream as URL;
      return { url: composeUpstreamUrl(template, upstreamPath(template.pathname, request, undefined), request.query), headers, where: 'the local service' };
    }
    const { serviceProvider, session } = destination;
    const choice = { serviceType: this.settings.serviceType, interface: destination.interface ?? this.settings.interface, region: this.settings.region };
    const endpoint = remoteEndpoint(session.catalog, choice, serviceProvider.id);
    return {
      url: composeUpstreamUrl(endpoint, upstreamPath(endpoint.pathname, request, session.projectId), request.query),
      // The local token never leaves for a service provider: the remote one replaces it.
      headers: { ...headers, 'x-auth-token': session.token, 'x-service-token': undefined },
      where: `service provider ${serviceProvider.id}`,
    };
  }
}

/** Whether the request can be sent again: no body, or one a body parser (or routing) already holds. */
function replayable(call: Call): boolean {
  const { req } = call;
  if ((req as typeof req & { body?: unknown }).body !== undefined && req.readableEnded) return true;
  return Number(req.headers['content-length'] ?? 0) === 0 && req.headers['transfer-encoding'] === undefined;
}
