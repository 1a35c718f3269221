import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createProxyMiddleware, fixRequestBody, type RequestHandler } from 'http-proxy-middleware';
import { certificateFailure } from '@k2k/common';
import { OpenStackError } from '@k2k/keystone';

/** One request to send upstream: where, the client's headers it goes without, and those to set. */
export interface UpstreamRequest {
  /** The full upstream URL (origin, path, query) */
  url: URL;
  /** The client's headers left out (lower case), where present */
  remove: ReadonlySet<string>;
  headers: Record<string, string>;
  /** Who answers, for error messages: 'service provider sp1', 'the local service' */
  where: string;
}

/** The upstream's answer, not yet written to the client: the body is still to be read. */
export interface UpstreamResponse {
  status: number;
  statusMessage?: string;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

/** A probe's answer: its status and, for a 2xx, the body when it was within the limit. */
export interface ProbeAnswer {
  status: number;
  /** A 2xx answer's body, read whole; absent for any other status or when `oversized` */
  body?: Buffer;
  /** A 2xx answer whose body went past the limit: cut off, not read */
  oversized: boolean;
}

/**
 * Kept-alive connections, closed after 4 s idle: before the usual 5 s of the servers' own idle
 * timeout, so a connection is rarely reused just as the server closes it.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, timeout: 4000 };

/** Connection-level failures of the upstream: it could not be reached (502). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT']);

type WithPending = IncomingMessage & Record<symbol, Pending | undefined>;

interface Pending {
  request: UpstreamRequest;
  timedOut: boolean;
  settled: boolean;
  resolve(response: UpstreamResponse): void;
  reject(error: unknown): void;
}

/**
 * Step 5: sends requests upstream over kept-alive connections. `send` forwards the client's
 * request on http-proxy-middleware (the body streamed, or re-sent when a body parser already read
 * it) and resolves with the upstream's answer once its headers arrive; `probe` asks whether a
 * resource is there (a GET, its 2xx body read bounded); `read` fetches a bounded answer whole (a
 * list to merge). An upstream silent for `timeoutMs` (a probe not done within `probeTimeoutMs`)
 * fails with 504, one that cannot be reached or whose certificate fails verification with 502,
 * naming it; a client that goes away takes its upstream request with it. An https upstream's
 * certificate must chain to `ca` when given, else to Node's default CAs.
 */
export class Upstream {
  /**
   * The client request's property holding its pending upstream request. Not a WeakMap keyed by
   * requests: with one, each request's garbage survived V8's young-generation collections and was
   * promoted to the old generation (about 10 KB per request, seen with `--trace-gc-nvp`).
   */
  private readonly pendingKey = Symbol('pending upstream request');
  private readonly agents: { http: Agent; https: HttpsAgent };
  /** One proxy per protocol: http-proxy takes its kept-alive agent from static options. */
  private readonly proxies: Record<'http' | 'https', RequestHandler>;

  constructor(
    private readonly timeoutMs: number,
    private readonly probeTimeoutMs: number,
    ca?: string[],
  ) {
    this.agents = { http: new Agent(AGENT_OPTIONS), https: new HttpsAgent({ ...AGENT_OPTIONS, ...(ca && { ca }) }) };
    this.proxies = { http: this.createProxy(this.agents.http), https: this.createProxy(this.agents.https) };
  }

  send(req: IncomingMessage, res: ServerResponse, request: UpstreamRequest): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      (req as WithPending)[this.pendingKey] = { request, timedOut: false, settled: false, resolve, reject };
      const proxy = request.url.protocol === 'https:' ? this.proxies.https : this.proxies.http;
      void proxy(req as never, res as never, (error?: unknown) => this.onError(error, req));
    });
  }

  /**
   * A GET of `url` and its answer: the status, and a 2xx answer's body read whole up to
   * `limitBytes` (a larger one is cut off: `oversized`); any other answer's body is dropped. The
   * whole exchange, body included, is bounded by the probe timeout (504), so a cloud that trickles
   * its answer cannot hold a search past it.
   */
  probe(url: URL, headers: Record<string, string>, where: string, limitBytes: number, retried = false): Promise<ProbeAnswer> {
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
      const deadline = setTimeout(() => {
        probe.destroy();
        reject(upstreamError(undefined, where, url, true, this.probeTimeoutMs));
      }, this.probeTimeoutMs);
      const settle = (answer: ProbeAnswer) => {
        clearTimeout(deadline);
        resolve(answer);
      };
      const probe = send(url, { method: 'GET', headers, agent }, (response) => {
        const status = response.statusCode ?? 502;
        if (status < 200 || status >= 300) {
          response.resume();
          return settle({ status, oversized: false });
        }
        readWhole(
          response,
          limitBytes,
          (body) => settle({ status, body, oversized: false }),
          () => {
            probe.destroy();
            settle({ status, oversized: true });
          },
        );
        response.once('error', (error) => {
          clearTimeout(deadline);
          reject(upstreamError(error, where, url, false, this.probeTimeoutMs));
        });
      });
      probe.once('error', (error) => {
        clearTimeout(deadline);
        if (staleConnection(probe, error) && !retried) return resolve(this.probe(url, headers, where, limitBytes, true));
        reject(upstreamError(error, where, url, false, this.probeTimeoutMs));
      });
      probe.end();
    });
  }

  /** A GET whose body is read whole, at most `limitBytes`: a larger answer fails with 502. */
  read(url: URL, headers: Record<string, string>, where: string, limitBytes: number, retried = false): Promise<{ status: number; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const agent = url.protocol === 'https:' ? this.agents.https : this.agents.http;
      let timedOut = false;
      const request = send(url, { method: 'GET', headers, agent }, (response) => {
        readWhole(
          response,
          limitBytes,
          (body) => resolve({ status: response.statusCode ?? 502, body }),
          () => {
            request.destroy();
            reject(new OpenStackError(502, `The answer of ${where} is larger than ${limitBytes} bytes.`));
          },
        );
        response.once('error', (error) => reject(upstreamError(error, where, url, timedOut, this.timeoutMs)));
      });
      request.setTimeout(this.timeoutMs, () => {
        timedOut = true;
        request.destroy();
      });
      request.once('error', (error) => {
        if (staleConnection(request, error) && !retried) return resolve(this.read(url, headers, where, limitBytes, true));
        reject(upstreamError(error, where, url, timedOut, this.timeoutMs));
      });
      request.end();
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private createProxy(agent: Agent | HttpsAgent): RequestHandler {
    return createProxyMiddleware<IncomingMessage, ServerResponse>({
      agent,
      router: (req) => this.pendingOf(req).request.url.origin,
      pathRewrite: (_path, req) => {
        const { url } = this.pendingOf(req).request;
        return `${url.pathname}${url.search}`;
      },
      changeOrigin: true,
      selfHandleResponse: true,
      // Our own error answers and logging replace the default plugins (plain-text errors).
      ejectPlugins: true,
      plugins: [
        (server) => {
          server.on('proxyReq', (proxyReq, req, res) => this.onProxyRequest(proxyReq, req, res as ServerResponse));
          server.on('proxyRes', (proxyRes, req) => this.onProxyResponse(proxyRes, req));
          server.on('error', (error, req) => this.onError(error, req));
        },
      ],
    });
  }

  private pendingOf(req: IncomingMessage): Pending {
    const pending = (req as WithPending)[this.pendingKey];
    if (!pending) throw new Error('no upstream request pending for this request');
    return pending;
  }

  private onProxyRequest(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse): void {
    const pending = (req as WithPending)[this.pendingKey];
    if (!pending) return;
    // On the outgoing request (a copy of the client's headers), never on the client's own: what an
    // attempt at an SP sets (its token) or leaves out never follows the request to the next cloud.
    const { remove, headers } = pending.request;
    // The outgoing headers are a copy of the client's: only those it sent need removing.
    for (const name in req.headers) if (remove.has(name)) proxyReq.removeHeader(name);
    for (const name in headers) proxyReq.setHeader(name, headers[name]);
    proxyReq.setTimeout(this.timeoutMs, () => {
      pending.timedOut = true;
      proxyReq.destroy();
    });
    // A client that goes away mid-upload or mid-download takes the upstream request with it,
    // so the upstream socket is freed rather than left waiting for bytes that never come.
    const abandon = () => {
      if (!proxyReq.destroyed && !res.writableFinished) proxyReq.destroy();
    };
    req.once('close', () => {
      if (!req.complete) abandon();
    });
    res.once('close', abandon);
    resendParsedBody(proxyReq, req);
  }

  private onProxyResponse(proxyRes: IncomingMessage, req: IncomingMessage): void {
    const pending = (req as WithPending)[this.pendingKey];
    if (!pending || pending.settled) return void proxyRes.resume();
    pending.settled = true;
    pending.resolve({ status: proxyRes.statusCode ?? 502, statusMessage: proxyRes.statusMessage, headers: proxyRes.headers, body: proxyRes });
  }

  private onError(error: unknown, req: IncomingMessage): void {
    const pending = (req as WithPending)[this.pendingKey];
    if (!pending || pending.settled) return;
    pending.settled = true;
    const { where, url } = pending.request;
    pending.reject(error instanceof OpenStackError ? error : upstreamError(error, where, url, pending.timedOut, this.timeoutMs));
  }
}

/** Reads a body whole: `done` with it, or `tooLarge` once it goes past `limitBytes` (the rest is not kept). */
function readWhole(body: IncomingMessage, limitBytes: number, done: (bytes: Buffer) => void, tooLarge: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limitBytes) return void chunks.push(chunk);
    body.off('data', onData);
    tooLarge();
  };
  body.on('data', onData).once('end', () => {
    if (size <= limitBytes) done(Buffer.concat(chunks, size));
  });
}

/**
 * A kept-alive connection the upstream closed just as it was reused: the request never reached it,
 * so a GET is sent again once, on a new connection.
 */
function staleConnection(request: ClientRequest, error: unknown): boolean {
  return request.reusedSocket && (error as { code?: string }).code === 'ECONNRESET';
}

function upstreamError(error: unknown, where: string, url: URL, timedOut: boolean, timeoutMs: number): OpenStackError {
  const code = (error as { code?: string } | undefined)?.code;
  if (timedOut) return new OpenStackError(504, `The service at ${where} did not answer within ${timeoutMs} ms.`);
  if (code && UNREACHABLE.has(code)) return new OpenStackError(502, `Could not reach the service at ${where} (${code}).`, { cause: error });
  const certificate = certificateFailure(error);
  if (certificate) return new OpenStackError(502, `The service at ${where} (${url.host}) failed TLS certificate verification: ${certificate}.`, { cause: error });
  return new OpenStackError(502, `Forwarding to ${where} failed.`, { cause: error });
}

/**
 * A body parser (or routing, for a create's name) that read the request stream before the proxy:
 * write its result instead, or the upstream would wait for a body that never comes. Raw bodies
 * (Buffer, string) go as they are; parsed ones through http-proxy-middleware's fixRequestBody.
 */
function resendParsedBody(proxyReq: ClientRequest, req: IncomingMessage): void {
  if (!req.readableEnded) return; // still streaming: the proxy pipes it
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    proxyReq.setHeader('content-length', Buffer.byteLength(body));
    proxyReq.write(body);
  } else if (body !== undefined && body !== null && typeof body === 'object') {
    fixRequestBody(proxyReq, req);
  } else if (Number(req.headers['content-length'] ?? 0) > 0) {
    proxyReq.destroy(new OpenStackError(500, 'The request body was consumed before k2kForward and cannot be forwarded; mount body parsers after it.'));
  }
}
