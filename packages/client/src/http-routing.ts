import { Agent, createServer, request as httpRequest, type ClientRequestArgs, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** How the routing fetch takes a call. */
type Route = (url: URL, init: RequestInit) => Promise<Response>;

type Scheme = 'http' | 'https';

/** Headers of one connection, not of the request or answer they come with. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection']);

/**
 * node:http's and node:https's side of local routing: Agents whose connections to the routed hosts
 * (the local catalog's endpoints) go to a listener of this process on loopback, one per scheme,
 * where each request is routed as the routing fetch routes it, streamed both ways; connections to
 * any other host are an Agent's usual ones. A request without X-Auth-Token is relayed to its host
 * as it came (over TLS for an https host, trusting `ca`); the listeners serve nothing but the
 * routed hosts.
 */
export class HttpRouting {
  private constructor(
    private readonly servers: readonly Server[],
    /** For node:http code: `{ agent }` in its requests, or `http.globalAgent` */
    readonly agent: Agent,
    /** For node:https code: `{ agent }` in its requests, or `https.globalAgent` */
    readonly httpsAgent: HttpsAgent,
    private readonly direct: readonly Agent[],
  ) {}

  /** Starts the listeners for `origins`, each request given to `route`. */
  static async start(origins: readonly string[], route: Route, ca: string[] | undefined): Promise<HttpRouting> {
    const direct = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true, ...(ca && { ca }) }) };
    const [http, https] = await Promise.all((['http', 'https'] as const).map((scheme) => listen(scheme, origins, route, direct[scheme])));
    return new HttpRouting(
      [http.server, https.server],
      new RoutingAgent(http.hosts, http.port),
      new RoutingHttpsAgent(https.hosts, https.port),
      [direct.http, direct.https],
    );
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.httpsAgent.destroy();
    for (const agent of this.direct) agent.destroy();
    await Promise.all(
      this.servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    );
  }
}

/** The loopback listener for `scheme`'s routed origins: its port, and the `host:port`s it serves. */
async function listen(scheme: Scheme, origins: readonly string[], route: Route, direct: Agent): Promise<{ server: Server; port: number; hosts: Set<string> }> {
  const routed = new Set(origins.filter((origin) => origin.startsWith(`${scheme}:`)));
  const server = createServer((req, res) => {
    serve(scheme, req, res, routed, route, direct).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`k2kClient local routing: ${(error as Error).message}`);
      else res.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('k2kClient local routing: no loopback port');
  return { server, port: address.port, hosts: new Set([...routed].map(hostPort)) };
}

/** One request on a listener: routed as its X-Auth-Token's caller, else relayed as it came. */
async function serve(scheme: Scheme, req: IncomingMessage, res: ServerResponse, routed: ReadonlySet<string>, route: Route, direct: Agent): Promise<void> {
  // Origin form only: a target of absolute form or `//host/...` would name a host other than Host's.
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('The request target must be a path.');
  const url = new URL(target, `${scheme}://${req.headers.host ?? ''}`);
  if (!routed.has(url.origin)) return void res.writeHead(421, { 'content-type': 'text/plain' }).end('Not a host k2kClient routes.');
  if (req.headers['x-auth-token'] === undefined) return relay(url, req, res, direct);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || CONNECTION_HEADERS.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  const init: RequestInit = { method: req.method ?? 'GET', headers, ...(hasBody && { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' }) };
  const response = await route(url, init);
  const answer: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) answer[name] = name in answer ? [...[answer[name]].flat(), value] : value;
  res.writeHead(response.status, response.statusText, answer);
  if (!response.body) return void res.end();
  Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>).pipe(res);
}

/** A request with no token to route as: to its host, as it came. */
function relay(url: URL, req: IncomingMessage, res: ServerResponse, direct: Agent): void {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = request(url, { method: req.method, headers: req.headers, agent: direct }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
    answer.pipe(res);
  });
  upstream.once('error', () => res.destroy());
  req.pipe(upstream);
}

/** A connection to the routing listener on `port` when `options` name a routed `host:port`. */
function routedConnection(routed: ReadonlySet<string>, port: number, options: ClientRequestArgs, defaultPort: number): Socket | undefined {
  if (!routed.has(`${options.host ?? 'localhost'}:${options.port ?? defaultPort}`)) return undefined;
  return connect({ host: '127.0.0.1', port });
}

/** An http Agent that connects to the routing listener instead of the routed hosts (`host:port`). */
class RoutingAgent extends Agent {
  constructor(
    private readonly routed: ReadonlySet<string>,
    private readonly port: number,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return routedConnection(this.routed, this.port, options, 80) ?? super.createConnection(options, callback);
  }
}

/**
 * An https Agent that connects to the routing listener instead of the routed hosts. The request
 * goes to that listener in plain http over loopback, within this process, and leaves it over TLS
 * as the client's own call; other hosts get an https Agent's usual TLS connection.
 */
class RoutingHttpsAgent extends HttpsAgent {
  constructor(
    private readonly routed: ReadonlySet<string>,
    private readonly port: number,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return routedConnection(this.routed, this.port, options, 443) ?? super.createConnection(options, callback);
  }
}

function hostPort(origin: string): string {
  const url = new URL(origin);
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
}
