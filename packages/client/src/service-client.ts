import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError, requestIdOf, writeOpenStackError, type EndpointInterface, type KeystoneIdentity } from '@k2k/common';
import { selectEndpoint } from '@k2k/keystone';
import { endpointRoot } from '@k2k/engine';
import { callRouting, type K2KRequestInit } from './call-options.js';
import { exchange } from './in-memory-exchange.js';
import { homeRegion } from './home-region.js';
import { outgoingCall } from './request-body.js';
import type { ServicePipelines } from './service-pipelines.js';

/** Who a session calls as: its token, and the identity the local Keystone confirms for it. */
export interface Caller {
  token(): Promise<string>;
  identity(token: string): Promise<KeystoneIdentity>;
  /** The local Keystone's URL, whose region is the local cloud's */
  authUrl: string;
}

/** One service for one caller: where `.service(type, { interface, region })` points. */
export interface ServiceChoice {
  /** The service's catalog type: an official one, or one of the operator's own */
  serviceType: string;
  /** The endpoint interface, at the local cloud and at service providers */
  interface: EndpointInterface;
  /** The local endpoint's region; absent: the local cloud's own (its Keystone's), else the first with the service */
  region: string | undefined;
  /** The region at service providers when a call names none; absent: the first */
  remoteRegion: string | undefined;
}

/**
 * keystoneauth1's Adapter for k2k: one caller, one service, paths relative to the service's
 * endpoint (project included). Each call runs through the engine as a request through k2kForward
 * would, and is answered with a standard Response.
 */
export class ServiceClient {
  constructor(
    private readonly caller: Caller,
    private readonly choice: ServiceChoice,
    private readonly pipelines: ServicePipelines,
  ) {}

  /**
   * Calls `path` (relative to the service's endpoint, e.g. `/volumes/<id>`; or an absolute URL
   * below the local endpoint's root, such as a link from an answer) with fetch's `init` and the
   * call's routing (`serviceProvider`, `project`, `interface`, `region`). What the engine or a
   * cloud answers, errors included, is the Response; a bad routing option throws.
   */
  async fetch(path: string | URL, init: K2KRequestInit = {}): Promise<Response> {
    const routing = callRouting(init);
    const method = (routing.init.method ?? 'GET').toUpperCase();
    const call = await outgoingCall(method, routing.init);
    let token: string;
    let identity: KeystoneIdentity;
    let localEndpoint: URL;
    try {
      token = await this.caller.token();
      identity = await this.caller.identity(token);
      localEndpoint = this.localEndpoint(identity);
    } catch (error) {
      if (error instanceof OpenStackError) return errorResponse(error);
      throw error;
    }
    const pipeline = this.pipelines.for({ serviceType: this.choice.serviceType, localEndpoint, interface: routing.interface ?? this.choice.interface, region: routing.region ?? this.choice.remoteRegion });
    // The caller's own User-Agent goes on; none given, the client's name (not the in-memory request's).
    const headers: Record<string, string> = { 'user-agent': 'k2k-client', ...Object.fromEntries(call.headers), ...routing.headers, 'x-auth-token': token };
    return exchange(
      (req: IncomingMessage, res: ServerResponse) => {
        req.keystone = identity;
        // Calls that stay local go to the local endpoint (an upstream): the engine never hands one back.
        pipeline.handle(req, res, () => writeOpenStackError(req, res, new OpenStackError(500, 'k2kClient has no routes of its own.')), requestIdOf(req, res));
      },
      { method, url: targetPath(localEndpoint, path), headers, ...(call.body && { body: call.body }), ...(routing.init.signal && { signal: routing.init.signal }) },
    );
  }

  private localEndpoint(identity: KeystoneIdentity): URL {
    const { serviceType } = this.choice;
    const region = this.choice.region ?? homeRegion(identity.catalog, this.caller.authUrl);
    const found =
      selectEndpoint(identity.catalog, { serviceType, interface: this.choice.interface, region }) ??
      (this.choice.region === undefined ? selectEndpoint(identity.catalog, { serviceType, interface: this.choice.interface }) : undefined);
    if (!found) throw new OpenStackError(403, `The catalog of your token has no ${serviceType} endpoint with interface ${this.choice.interface}${region ? ` in region ${region}` : ''}.`);
    return new URL(found.url);
  }
}

/**
 * The path the engine is given, below the local endpoint's root (as k2kForward sees it below its
 * mount): a relative path goes below the whole endpoint (version and project); an absolute URL
 * must be one below the endpoint's root, at its origin.
 */
function targetPath(endpoint: URL, path: string | URL): string {
  const root = endpointRoot(endpoint.pathname);
  const text = String(path);
  if (!/^[a-z][a-z\d+.-]*:/i.test(text)) return `${endpoint.pathname.replace(/\/+$/, '').slice(root.length)}${text.startsWith('/') || text === '' ? '' : '/'}${text}`;
  const url = new URL(text);
  if (url.origin !== endpoint.origin || !(url.pathname === root || url.pathname.startsWith(`${root}/`))) {
    throw new TypeError(`k2kClient: ${url.origin}${url.pathname} is not below this service's endpoint (${endpoint.origin}${root}/)`);
  }
  return `${url.pathname.slice(root.length) || '/'}${url.search}`;
}

/** An error of the client's own, in OpenStack's shape, as the engine answers its errors. */
function errorResponse(error: OpenStackError): Response {
  return Response.json(error.toBody(), { status: error.status });
}
