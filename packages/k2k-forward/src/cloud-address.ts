import type { EndpointInterface, ServiceProvider } from '@k2k/keystone';
import { remoteEndpoint, type EndpointChoice } from './endpoints.js';
import type { ApiRequest } from './parse-request.js';
import type { RemoteSession } from './remote-session.js';
import { upstreamPath } from './upstream-path.js';
import { composeUpstreamUrl } from './upstream-url.js';

/** A cloud a request can be sent to: the local service, or a service provider with a session there. */
export type Destination = { kind: 'local' } | { kind: 'remote'; serviceProvider: ServiceProvider; session: RemoteSession; interface?: EndpointInterface };

/** Where and as whom to send something to a cloud. */
export interface CloudAddress {
  url: URL;
  /** The token to show: the caller's own locally, the remote session's at an SP */
  token: string;
  /** Who answers, for messages: 'the local service', 'service provider sp1' */
  where: string;
}

/**
 * Addresses a request's resource, a probe or a page at a cloud: the local upstream, or the
 * service provider's endpoint from its scoped catalog (steps 4 and 5), with the path rendered
 * below the endpoint's root and the project id of that cloud.
 */
export class CloudAddresses {
  constructor(
    private readonly localUpstream: URL | undefined,
    private readonly choice: EndpointChoice,
  ) {}

  /** The address at `destination`; `rest` and `query` default to the request's own. */
  of(destination: Destination, request: ApiRequest, userToken: string, rest = request.rest, query = request.query): CloudAddress {
    const endpoint = this.endpoint(destination);
    if (destination.kind === 'local') {
      return { url: composeUpstreamUrl(endpoint, upstreamPath(endpoint.pathname, request, undefined, rest), query), token: userToken, where: 'the local service' };
    }
    const { serviceProvider, session } = destination;
    return {
      url: composeUpstreamUrl(endpoint, upstreamPath(endpoint.pathname, request, session.projectId, rest), query),
      token: session.token,
      where: `service provider ${serviceProvider.id}`,
    };
  }

  /** The endpoint at `destination`: the local upstream (its URL template), or the SP's from its scoped catalog. */
  endpoint(destination: Destination): URL {
    if (destination.kind === 'local') {
      if (!this.localUpstream) throw new Error('no local upstream: local requests go to next()');
      return this.localUpstream;
    }
    const { serviceProvider, session } = destination;
    return remoteEndpoint(session.catalog, { ...this.choice, interface: destination.interface ?? this.choice.interface }, serviceProvider.id);
  }
}
