import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { readBody, sendJson, SimServer, SimulatedServer, type Route, type SimRequest } from '../sim-server.js';
import type { CheckedToken, TokenChecker } from './token-checker.js';

/** A request a fake service received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Which endpoint it came to */
  interface: 'public' | 'internal';
  bodyBytes: number;
  /** The body, when it was small JSON */
  body?: unknown;
}

/** A route of a fake service; `received` is its log entry, for the handler to complete. */
export interface ServiceRoute {
  method: string;
  pattern: RegExp;
  name: string;
  handle(request: SimRequest, received: ReceivedRequest): void | Promise<void>;
}

const SMALL_BODY = 1 << 20;

/**
 * The common part of the fake OpenStack services: a public and an internal listener, a log of what
 * was received, fault switches, and token checks against the cloud's own Keystone, simulated or
 * real (as keystonemiddleware would do): no or bad token -> 401; token of another project -> 403.
 */
export abstract class FakeService extends SimulatedServer {
  readonly requests: ReceivedRequest[] = [];
  protected readonly server: SimServer;

  protected constructor(
    private readonly tokens: TokenChecker,
    routes: ServiceRoute[],
  ) {
    super();
    this.server = new SimServer(
      routes.map((route): Route => ({ ...route, handle: (request) => route.handle(request, this.receive(request)) })),
      (res, status, message) => this.sendError(res, status, message),
    );
  }

  /** Listens on free ports, or on the given ones (a real Keystone's catalog names fixed ports). */
  protected async listen(ports?: { public: number; internal: number }): Promise<void> {
    await this.server.start(['public', 'internal'], ports && [ports.public, ports.internal]);
  }

  get publicUrl(): string {
    return this.server.url('public');
  }

  get internalUrl(): string {
    return this.server.url('internal');
  }

  /** The URL a request came to (its Host): what Cinder and Glance build their absolute links from. */
  protected baseUrl(request: SimRequest): string {
    const host = request.req.headers.host;
    return host ? `http://${host}` : this.server.url(request.listener);
  }

  /** Forgets the requests received so far. */
  reset(): void {
    this.requests.length = 0;
    this.server.calls.reset();
  }

  /** Answers an error in this service's own shape. */
  protected abstract sendError(res: ServerResponse, status: number, message: string): void;

  /** The request's token if it is valid here (and, when given, scoped to `projectId`); else answers 401/403. */
  protected async authorize(request: SimRequest, projectId?: string): Promise<CheckedToken | undefined> {
    const header = request.req.headers['x-auth-token'];
    const token = await this.tokens.check(Array.isArray(header) ? header[0] : header);
    if (!token) {
      sendJson(request.res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }, {
        'www-authenticate': `Keystone uri="${this.tokens.authUrl}"`,
      });
      return undefined;
    }
    if (projectId !== undefined && token.projectId !== projectId) {
      this.sendError(request.res, 403, `Token is not scoped to project ${projectId}.`);
      return undefined;
    }
    return token;
  }

  /** Reads a small JSON body, logging it; undefined when absent or not JSON. */
  protected async readJson(request: SimRequest, received: ReceivedRequest): Promise<unknown> {
    const text = await readBody(request.req, SMALL_BODY);
    received.bodyBytes = Buffer.byteLength(text);
    try {
      received.body = text ? JSON.parse(text) : undefined;
    } catch {
      received.body = text;
      return undefined;
    }
    return received.body;
  }

  private receive(request: SimRequest): ReceivedRequest {
    const received: ReceivedRequest = {
      method: request.method,
      path: request.path,
      query: Object.fromEntries(request.query),
      headers: request.req.headers,
      interface: request.listener === 'internal' ? 'internal' : 'public',
      bodyBytes: 0,
    };
    this.requests.push(received);
    return received;
  }
}
