import type { CatalogEntry, EndpointInterface, ServiceProvider } from '@k2k/common';
import { catalogEndpoint, type EndpointChoice } from './endpoints.js';
import type { ApiRequest } from '../parse/parse-request.js';
import type { RemoteSession } from './remote-session.js';
import { upstreamPath } from './upstream-path.js';
import { composeUpstreamUrl } from './upstream-url.js';

/**
 * A cloud a request can be sent to: the local service; a service provider with a session there;
 * or a passthrough target, reached with the caller's own token at the endpoint of the caller's own
 * catalog (from the IdP, so the token only goes where the IdP says its cloud is) in `region`.
 */
export type Destination =
  | { kind: 'local' }
  | { kind: 'remote'; serviceProvider: ServiceProvider; session: RemoteSession; interface?: EndpointInterface }
  | { kind: 'passthrough'; name: string; region: string; callerCatalog: readonly CatalogEntry[]; interface?: EndpointInterface };

/** Where and as whom to send something to a cloud. */
export interface CloudAddress {
  url: URL;
  /** The token to show: the caller's own locally and at a passthrough target, the remote session's at an SP */
  token: string;
  /** Who answers, for messages: 'the local service', 'service provider sp1' */
  where: string;
  /** The service provider's id, when it is one */
  serviceProvider?: string;
}

/** The name answers and logs give a destination: the SP id or passthrough target's name; undefined for the local cloud. */
export function destinationName(destination: Destination): string | undefined {
  switch (destination.kind) {
    case 'local':
      return undefined;
    case 'remote':
      return destination.serviceProvider.id;
    case 'passthrough':
      return destination.name;
  }
}

/**
 * Addresses a request's resource, a probe or a page at a cloud: the local upstream, or the
 * endpoint from the destination's catalog (steps 4 and 5), with the path rendered below the
 * endpoint's root and the project id of that cloud.
 */
export class CloudAddresses {
  /** Each remote session's endpoints, by interface and region */
  private readonly sessionEndpoints = new WeakMap<RemoteSession, Map<string, URL>>();

  constructor(
    private readonly localUpstream: URL | undefined,
    private readonly choice: EndpointChoice,
  ) {}

  /** The address at `destination`; `rest` and `query` default to the request's own. */
  of(destination: Destination, request: ApiRequest, userToken: string, rest = request.rest, query = request.query): CloudAddress {
    const endpoint = this.endpoint(destination);
    switch (destination.kind) {
      case 'local':
        return { url: composeUpstreamUrl(endpoint, upstreamPath(endpoint.pathname, request, undefined, rest), query), token: userToken, where: 'the local service' };
      case 'passthrough':
        // The same Keystone's token: the project id in the path stays the caller's.
        return { url: composeUpstreamUrl(endpoint, upstreamPath(endpoint.pathname, request, undefined, rest), query), token: userToken, where: `${destination.name} (region ${destination.region})` };
      case 'remote':
        return {
          url: composeUpstreamUrl(endpoint, upstreamPath(endpoint.pathname, request, destination.session.projectId, rest), query),
          token: destination.session.token,
          where: `service provider ${destination.serviceProvider.id}`,
          serviceProvider: destination.serviceProvider.id,
        };
    }
  }

  /** The endpoint at `destination`: the local upstream (its URL template), or the one its catalog lists. Shared: never to be changed. */
  endpoint(destination: Destination): URL {
    switch (destination.kind) {
      case 'local':
        if (!this.localUpstream) throw new Error('no local upstream: local requests go to next()');
        return this.localUpstream;
      case 'remote': {
        // A warm session is the same object for a while (the token cache's local copy): find its endpoint once.
        const choice = this.choiceFor(destination);
        const key = `${choice.interface}\n${choice.region ?? ''}`;
        let found = this.sessionEndpoints.get(destination.session);
        if (!found) this.sessionEndpoints.set(destination.session, (found = new Map()));
        let endpoint = found.get(key);
        if (!endpoint) found.set(key, (endpoint = catalogEndpoint(destination.session.catalog, choice, `Service provider ${destination.serviceProvider.id}`)));
        return endpoint;
      }
      case 'passthrough':
        return catalogEndpoint(destination.callerCatalog, { ...this.choiceFor(destination), region: destination.region }, `The catalog of your token (for ${destination.name})`);
    }
  }

  private choiceFor(destination: { interface?: EndpointInterface }): EndpointChoice {
    return { ...this.choice, interface: destination.interface ?? this.choice.interface };
  }
}
