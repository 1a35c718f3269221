import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { fixRequestBody, createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import { OpenStackError, writeOpenStackError, type Logger } from '@k2k/keystone';

/** How one request is forwarded: where, with which headers, and what to do with the answer. */
export interface ForwardPlan {
  /** The full upstream URL (origin, path, query) */
  url: URL;
  /** Headers to set on the upstream request (undefined removes the header) */
  headers: Record<string, string | undefined>;
  /** The service provider, for X-K2K-Service-Provider; absent for the local upstream */
  serviceProvider?: string;
  requestId: string;
  /** Called instead of answering when the upstream says 401; absent: the 401 goes back as-is */
  retryOn401?: () => void;
  /** Told the outcome once the answer started or failed */
  done(outcome: { status: number; remoteRequestId?: string }): void;
}

/** Connection-level failures of the upstream: it could not be reached (502). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT']);
/** Hop-by-hop headers are the proxy's own business, never copied from the upstream answer. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

interface Pending {
  plan: ForwardPlan;
  timedOut: boolean;
  /** The outcome was reported (once per attempt, whatever fails after) */
  reported: boolean;
}

/**
 * Step 5 and 6: the forwarding itself, on http-proxy-middleware. Request and response bodies are
 * streamed (a body parsed earlier is re-sent); the headers are rewritten before the proxy starts;
 * an upstream silent for `timeoutMs` is answered 504, one that cannot be reached 502, in
 * OpenStack's JSON; an aborted client request aborts the upstream one.
 */
export class Forwarder {
  private readonly pending = new WeakMap<IncomingMessage, Pending>();
  private readonly agents = { http: new Agent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) };
  /** One proxy per protocol: http-proxy takes its kept-alive agent from static options. */
  private readonly proxies: Record<'http' | 'https', RequestHandler>;

  constructor(
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.proxies = { http: this.createProxy(this.agents.http), https: this.createProxy(this.agents.https) };
  }

  forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void {
    this.pending.set(req, { plan, timedOut: false, reported: false });
    for (const [name, value] of Object.entries(plan.headers)) {
      if (value === undefined) delete req.headers[name];
      else req.headers[name] = value;
    }
    const proxy = plan.url.protocol === 'https:' ? this.proxies.https : this.proxies.http;
    void proxy(req as never, res as never, (error?: unknown) => this.onError(error, req, res));
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private createProxy(agent: Agent | HttpsAgent): RequestHandler {
    return createProxyMiddleware<IncomingMessage, ServerResponse>({
      agent,
      router: (req) => this.planOf(req).url.origin,
      pathRewrite: (_path, req) => {
        const { url } = this.planOf(req);
        return `${url.pathname}${url.search}`;
      },
      changeOrigin: true,
      selfHandleResponse: true,
      // Our own error answers and logging replace the default plugins (plain-text errors).
      ejectPlugins: true,
      plugins: [
        (server) => {
          server.on('proxyReq', (proxyReq, req, res) => this.onProxyRequest(proxyReq, req, res as ServerResponse));
          server.on('proxyRes', (proxyRes, req, res) => this.onProxyResponse(proxyRes, req, res));
          server.on('error', (error, req, res) => this.onError(error, req, res as ServerResponse));
        },
      ],
    });
  }

  private planOf(req: IncomingMessage): ForwardPlan {
    const pending = this.pending.get(req);
    if (!pending) throw new Error('no forward plan for this request');
    return pending.plan;
  }

  private onProxyRequest(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse): void {
    const pending = this.pending.get(req);
    if (!pending) return;
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

  private onProxyResponse(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const pending = this.pending.get(req);
    if (!pending) return;
    const { plan } = pending;
    const status = proxyRes.statusCode ?? 502;
    if (status === 401 && plan.retryOn401) {
      proxyRes.resume(); // drain and drop: the retry answers instead
      return plan.retryOn401();
    }
    res.statusCode = status;
    if (proxyRes.statusMessage) res.statusMessage = proxyRes.statusMessage;
    for (const [name, value] of Object.entries(proxyRes.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-openstack-request-id') continue;
      res.setHeader(name, value);
    }
    if (plan.serviceProvider) res.setHeader('x-k2k-service-provider', plan.serviceProvider);
    const remoteRequestId = proxyRes.headers['x-openstack-request-id'];
    report(pending, { status, remoteRequestId: Array.isArray(remoteRequestId) ? remoteRequestId[0] : remoteRequestId });
    // pipe rather than stream.pipeline, which costs an AbortController per request. A client that
    // leaves is handled in onProxyRequest (the upstream request is destroyed); an upstream that
    // breaks off takes the client's answer with it, so the client sees it cut short.
    proxyRes.once('error', (error) => {
      this.logger.warn({ requestId: plan.requestId, err: { message: error.message } }, 'upstream answer cut short');
      res.destroy();
    });
    proxyRes.pipe(res);
  }

  private onError(error: unknown, req: IncomingMessage, res: ServerResponse): void {
    const pending = this.pending.get(req);
    const where = pending?.plan.serviceProvider ? `service provider ${pending.plan.serviceProvider}` : 'the local service';
    const code = (error as { code?: string } | undefined)?.code;
    let answer: OpenStackError;
    if (error instanceof OpenStackError) answer = error;
    else if (pending?.timedOut) answer = new OpenStackError(504, `The service at ${where} did not answer within ${this.timeoutMs} ms.`);
    else if (code && UNREACHABLE.has(code)) answer = new OpenStackError(502, `Could not reach the service at ${where} (${code}).`);
    else {
      this.logger.error({ requestId: pending?.plan.requestId, err: { message: (error as Error)?.message } }, 'forwarding failed');
      answer = new OpenStackError(502, `Forwarding to ${where} failed.`);
    }
    if (pending) report(pending, { status: answer.status });
    writeOpenStackError(req, res, answer);
  }
}

function report(pending: Pending, outcome: { status: number; remoteRequestId?: string }): void {
  if (pending.reported) return;
  pending.reported = true;
  pending.plan.done(outcome);
}

/**
 * A body parser that ran before the proxy consumed the request stream: write its result instead,
 * or the upstream would wait for a body that never comes. Raw bodies (Buffer, string) go as they
 * are; parsed ones through http-proxy-middleware's fixRequestBody.
 */
function resendParsedBody(proxyReq: ClientRequest, req: IncomingMessage): void {
  if (!req.readableEnded) return; // still streaming: the proxy pipes it
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    proxyReq.setHeader('content-length', Buffer.byteLength(body));
    proxyReq.write(body);
  } else if (body !== undefined && body !== null && typeof body === 'object' && Object.keys(body).length > 0) {
    fixRequestBody(proxyReq, req);
  } else if (Number(req.headers['content-length'] ?? 0) > 0) {
    proxyReq.destroy(new OpenStackError(500, 'The request body was consumed before k2kForward and cannot be forwarded; mount body parsers after it.'));
  }
}
