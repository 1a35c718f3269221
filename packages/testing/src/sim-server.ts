import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallLog } from './call-log.js';
import { FaultSwitches } from './faults.js';

const HOST = '127.0.0.1';

/** A request as a route handler sees it. */
export interface SimRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  /** Path parameters captured by the route's pattern, by name */
  params: Record<string, string>;
  /** Which listener took the request (a fake service has a public and an internal one) */
  listener: string;
}

export interface Route {
  method: string;
  pattern: RegExp;
  name: string;
  handle(request: SimRequest): void | Promise<void>;
}

/**
 * An HTTP server on loopback for the simulator: routes by method and path pattern, logs every
 * call, applies fault switches, and can go down (connections refused) and come back on the same
 * ports. One server may listen on several named ports (a fake service's public and internal).
 */
export class SimServer {
  readonly calls = new CallLog();
  readonly faults = new FaultSwitches();
  private readonly servers = new Map<string, Server>();
  private readonly ports = new Map<string, number>();

  constructor(
    private readonly routes: Route[],
    /** How this server answers an injected status or a route it does not have */
    private readonly answerError: (res: ServerResponse, status: number, message: string) => void,
    /** A body for the malformed-answer fault */
    private readonly malformedBody = '{"this is": "not what you expected"',
  ) {}

  /** Starts listening; `listeners` names each port (default one called 'main'), on `ports` or free ones. */
  async start(listeners: string[] = ['main'], ports: number[] = []): Promise<void> {
    for (const [i, listener] of listeners.entries()) await this.listen(listener, ports[i] ?? 0);
  }

  /** http://127.0.0.1:PORT of a listener. */
  url(listener = 'main'): string {
    const port = this.ports.get(listener);
    if (port === undefined) throw new Error(`no listener ${listener}`);
    return `http://${HOST}:${port}`;
  }

  /** Stops accepting connections (clients get ECONNREFUSED) until `up()`. */
  async down(): Promise<void> {
    await Promise.all([...this.servers.values()].map(closeServer));
    this.servers.clear();
  }

  /** Listens again on the same ports after `down()`. */
  async up(): Promise<void> {
    for (const [listener, port] of this.ports) if (!this.servers.has(listener)) await this.listen(listener, port);
  }

  async stop(): Promise<void> {
    await this.down();
  }

  private async listen(listener: string, port: number): Promise<void> {
    const server = createServer((req, res) => void this.dispatch(req, res, listener));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, HOST, () => resolve());
    });
    this.servers.set(listener, server);
    this.ports.set(listener, (server.address() as AddressInfo).port);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, listener: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    let route: Route | undefined;
    let params: Record<string, string> = {};
    for (const candidate of this.routes) {
      const match = candidate.method === method || (candidate.method === 'GET' && method === 'HEAD') ? candidate.pattern.exec(url.pathname) : null;
      if (match) {
        route = candidate;
        params = match.groups ?? {};
        break;
      }
    }
    const name = route?.name ?? 'unknown';
    res.once('finish', () => this.calls.record({ method, path: url.pathname, route: name, status: res.statusCode }));
    try {
      const fault = this.faults.for(name);
      if (fault?.latencyMs) await sleep(fault.latencyMs);
      if (res.destroyed) return;
      if (fault?.status) return this.answerError(res, fault.status, 'Injected fault.');
      if (fault?.malformed) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(this.malformedBody);
      }
      if (fault?.rogue) return sendJson(res, 200, fault.rogue(params));
      if (!route) return this.answerError(res, 404, 'The resource could not be found.');
      await route.handle({ req, res, method, path: url.pathname, query: url.searchParams, params, listener });
    } catch (error) {
      if (!res.headersSent) this.answerError(res, 500, `Simulator error: ${(error as Error).message}`);
      else res.destroy();
    }
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Reads a request body whole (simulated Keystone bodies are small). */
export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('request body too large');
  }
  return body;
}

/** A JSON object request body, or undefined for anything else (not JSON, an array, a scalar). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readBody(req));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** What every simulated server offers its tests, whatever it serves: the call log, fault switches, down/up, stop. */
export abstract class SimulatedServer {
  protected abstract readonly server: SimServer;

  /** Every call received, by route name */
  get calls(): CallLog {
    return this.server.calls;
  }

  get faults(): FaultSwitches {
    return this.server.faults;
  }

  /** Refuses connections until `up()`. */
  down(): Promise<void> {
    return this.server.down();
  }

  /** Listens again, on the same ports. */
  up(): Promise<void> {
    return this.server.up();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}
