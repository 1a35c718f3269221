import { Agent, createServer, request as httpRequest, type ClientRequestArgs, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** How the routing fetch takes a call. */
type Route = (url: URL, init: RequestInit) => Promise<Response>;

/** Headers of one connection, not of the request or answer they come with. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection']);

/**
 * node:http's side of local routing: an Agent whose connections to the routed hosts (the local
 * catalog's http endpoints) go to a listener of this process on loopback, where each request is
 * routed as the routing fetch routes it, streamed both ways; connections to any other host are an
 * Agent's usual ones. A request without X-Auth-Token is relayed to its host as it came; the
 * listener serves nothing but the routed hosts.
 */
export class HttpRouting {
  private constructor(
    private readonly server: Server,
    /** For node:http code: `{ agent }` in its requests, or `http.globalAgent` */
    readonly agent: Agent,
    private readonly direct: Agent,
  ) {}

  /** Starts the listener for `origins` (http only), each request given to `route`. */
  static async start(origins: readonly string[], route: Route): Promise<HttpRouting> {
    const routed = new Set(origins.filter((origin) => origin.startsWith('http:')));
    const direct = new Agent({ keepAlive: true });
    const server = createServer((req, res) => {
      serve(req, res, routed, route, direct).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`k2kClient local routing: ${(error as Error).message}`);
        else res.destroy();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('k2kClient local routing: no loopback port');
    return new HttpRouting(server, new RoutingAgent(new Set([...routed].map(hostPort)), address.port), direct);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.direct.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One request on the listener: routed as its X-Auth-Token's caller, else relayed as it came. */
async function serve(req: IncomingMessage, res: ServerResponse, routed: ReadonlySet<string>, route: Route, direct: Agent): Promise<void> {
  // Origin form only: a target of absolute form or `//host/...` would name a host other than Host's.
  const target = req.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//')) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('The request target must be a path.');
  const url = new URL(target, `http://${req.headers.host ?? ''}`);
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
  const upstream = httpRequest(url, { method: req.method, headers: req.headers, agent: direct }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
    answer.pipe(res);
  });
  upstream.once('error', () => res.destroy());
  req.pipe(upstream);
}

/** An Agent that connects to the routing listener instead of the routed hosts (`host:port`). */
class RoutingAgent extends Agent {
  constructor(
    private readonly routed: ReadonlySet<string>,
    private readonly port: number,
  ) {
    super({ keepAlive: true });
  }

  override createConnection(options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    if (!this.routed.has(`${options.host ?? 'localhost'}:${options.port ?? 80}`)) return super.createConnection(options, callback);
    return connect({ host: '127.0.0.1', port: this.port });
  }
}

function hostPort(origin: string): string {
  const url = new URL(origin);
  return `${url.hostname}:${url.port || 80}`;
}
