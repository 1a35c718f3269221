import type { Agent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { KeystoneIdentity } from '@k2k/common';
import { officialServiceType } from '@k2k/keystone';
import { endpointRoot } from '@k2k/engine';
import { HttpRouting } from './http-routing.js';
import type { ClientSession } from './session.js';

/** An endpoint of the local catalog whose calls the client routes: a service the engine knows. */
interface RoutedEndpoint {
  origin: string;
  /** The endpoint's root path ('' or '/volume'): every path below it is the service's */
  root: string;
  serviceType: string;
  interface: string;
  region: string;
}

/**
 * Code that calls the local cloud's endpoints by URL, routed unchanged: a fetch that sends a call
 * below an endpoint of the local catalog, carrying X-Auth-Token, through the client as that
 * token's caller (learned locations, search, merged lists: a volume at an SP answers at the local
 * Cinder's URL), and every other call (another host, Keystone, no token) to the fetch it replaced.
 */
export class LocalRouting {
  /** The fetch that routes; pass it where code takes a fetch, or install() it */
  readonly fetch: typeof globalThis.fetch;
  /** The origins of the routed endpoints */
  readonly hosts: readonly string[];
  private readonly original = globalThis.fetch;
  private readonly endpoints: RoutedEndpoint[];
  private http: Promise<HttpRouting> | undefined;

  constructor(
    catalogOwner: KeystoneIdentity,
    routes: (serviceType: string, region: string) => boolean,
    private readonly sessionFor: (token: string) => ClientSession,
    /** The client's `ca`: a call without a token to a routed https host is relayed trusting it */
    private readonly ca: string[] | undefined,
  ) {
    this.endpoints = routedEndpoints(catalogOwner, routes)
      // The longest root first: '/volume' and '/image' on one host, or a root below another.
      .sort((a, b) => b.root.length - a.root.length);
    this.hosts = [...new Set(this.endpoints.map((endpoint) => endpoint.origin))];
    this.fetch = (input, init) => this.route(input, init);
  }

  /** Puts the routing fetch in `globalThis.fetch`. */
  install(): void {
    globalThis.fetch = this.fetch;
  }

  /** Puts back the fetch that was there before. */
  uninstall(): void {
    if (globalThis.fetch === this.fetch) globalThis.fetch = this.original;
  }

  /**
   * The same routing for node:http code: an Agent (for `{ agent }` in its requests, or
   * `http.globalAgent`) whose connections to the routed http hosts go to a loopback listener of
   * this process that routes each request as `fetch` does; other hosts connect as usual.
   */
  async httpAgent(): Promise<Agent> {
    return (await this.httpRouting()).agent;
  }

  /** The same for node:https code (`https.globalAgent`): the routed https hosts. */
  async httpsAgent(): Promise<HttpsAgent> {
    return (await this.httpRouting()).httpsAgent;
  }

  /** Uninstalls the fetch and stops the node:http listeners, if they were started. */
  async close(): Promise<void> {
    this.uninstall();
    await (await this.http)?.close();
  }

  private httpRouting(): Promise<HttpRouting> {
    this.http ??= HttpRouting.start(this.hosts, (url, init) => this.route(url, init), this.ca);
    return this.http;
  }

  private async route(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : input);
    const endpoint = this.endpoints.find((candidate) => candidate.origin === url.origin && (url.pathname === candidate.root || url.pathname.startsWith(`${candidate.root}/`)));
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const token = headers.get('x-auth-token');
    if (!endpoint || !token) return this.original(input, init);
    const service = this.sessionFor(token).service(endpoint.serviceType, { interface: endpoint.interface, region: endpoint.region });
    if (!(input instanceof Request)) return service.fetch(url, init);
    const request = new Request(input, init);
    return service.fetch(url, { method: request.method, headers: request.headers, signal: request.signal, ...(request.body && { body: await request.arrayBuffer() }) });
  }
}

/** The catalog's endpoints that `routes` takes (the local region's, of services whose resources the engine knows). */
function routedEndpoints(identity: KeystoneIdentity, routes: (serviceType: string, region: string) => boolean): RoutedEndpoint[] {
  return identity.catalog.flatMap((entry) => {
    const serviceType = officialServiceType(entry.type);
    return entry.endpoints.filter((endpoint) => routes(serviceType, endpoint.regionId)).map((endpoint) => {
      const url = new URL(endpoint.url);
      return { origin: url.origin, root: endpointRoot(url.pathname), serviceType, interface: endpoint.interface, region: endpoint.regionId };
    });
  });
}
