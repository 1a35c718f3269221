import type { ServerResponse } from 'node:http';
import type { UpstreamResponse } from './upstream.js';

/** Hop-by-hop headers are the proxy's own business, never copied from the upstream answer. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export interface AnswerOptions {
  /** Sets X-K2K-Service-Provider; absent for the local cloud */
  serviceProvider?: string;
  /** Keep a copy of a JSON body up to this many bytes, for learning; 0 keeps none */
  keepJsonUpTo: number;
}

/**
 * Step 6: writes the upstream's answer to the client (status, end-to-end headers, the body
 * streamed) and resolves once it is written, with a copy of the body when it is JSON and no larger
 * than asked (else undefined). An upstream that breaks off takes the client's answer with it, so
 * the client sees it cut short.
 */
export function answer(res: ServerResponse, response: UpstreamResponse, options: AnswerOptions): Promise<Buffer | undefined> {
  res.statusCode = response.status;
  if (response.statusMessage) res.statusMessage = response.statusMessage;
  for (const [name, value] of Object.entries(response.headers)) {
    // The request id is ours (already set); the upstream's is logged, not passed on.
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-openstack-request-id') continue;
    res.setHeader(name, value);
  }
  if (options.serviceProvider) res.setHeader('x-k2k-service-provider', options.serviceProvider);
  const copy = keepsCopy(response, options.keepJsonUpTo) ? new BodyCopy(options.keepJsonUpTo) : undefined;
  if (copy) response.body.on('data', (chunk: Buffer) => copy.add(chunk));
  return new Promise((resolve) => {
    const done = () => resolve(res.writableFinished ? copy?.bytes() : undefined);
    res.once('finish', done);
    res.once('close', done);
    response.body.once('error', () => res.destroy());
    // pipe rather than stream.pipeline, which costs an AbortController per request; a client that
    // goes away takes the upstream request with it (Upstream).
    response.body.pipe(res);
  });
}

function keepsCopy(response: UpstreamResponse, limit: number): boolean {
  if (limit === 0) return false;
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(response.headers['content-type'] ?? '')) return false;
  const length = Number(response.headers['content-length'] ?? 0);
  return length <= limit;
}

/** The body's bytes as they pass, until they exceed the limit. */
class BodyCopy {
  private chunks: Buffer[] | undefined = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    if (!this.chunks) return;
    this.size += chunk.length;
    if (this.size > this.limit) this.chunks = undefined;
    else this.chunks.push(chunk);
  }

  bytes(): Buffer | undefined {
    return this.chunks && Buffer.concat(this.chunks);
  }
}
