import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { LinkRewrite } from './answer-links.js';
import { JsonBody } from './json-body.js';
import { JsonLinkStream, MAX_LINK_BYTES } from './json-link-stream.js';
import { rewriteJsonLinks, rewriteLocation } from './rewrite-links.js';
import { rewriteProjectIds } from './rewrite-project-ids.js';
import { HOP_BY_HOP, JSON_TYPE } from '../execute/http-headers.js';
import type { ProjectIdAnswer } from '../execute/project-ids.js';
import type { UpstreamResponse } from '../execute/upstream.js';

/** Statuses that never carry a body (nor does any answer to a HEAD). */
const BODILESS = new Set([204, 304]);

export interface AnswerOptions {
  /** Sets X-K2K-Service-Provider; absent for the local cloud */
  serviceProvider?: string;
  /** Keep a copy of a JSON body up to this many bytes, for learning; 0 keeps none */
  keepJsonUpTo: number;
  /**
   * Done with that copy before the answer's end is sent (a create's new id stored, so the client's
   * next request, to any worker or host, finds it); only for a body read whole and kept
   */
  beforeEnd?(copy: JsonBody): Promise<void>;
  /** Where the answer's links point and where they point through this proxy */
  links: LinkRewrite;
  /** The SP's project ids in a JSON answer read whole, as the caller knows them (project-ids.ts) */
  projectIds?: ProjectIdAnswer;
}

/**
 * Step 6: writes the upstream's answer to the client (status, end-to-end headers, body) and
 * resolves once it is written, with a copy of the body as it came when it is JSON and no larger
 * than `keepJsonUpTo` (else undefined); `beforeEnd` is done with that copy before the body's end is
 * sent. Links that point upstream point at this proxy instead: the `Location` header, and those in
 * a JSON body of any size. A body of at most `links.limitBytes` is read whole, rewritten and sent
 * with its new length; a larger one is rewritten as it streams through (JsonLinkStream) and sent
 * chunked. Any other body streams through untouched, unbuffered;
 * so does a compressed JSON body, its links as they came (`links.notRewritten` says so). An
 * upstream that breaks off takes the client's answer with it, so the client sees it cut short.
 */
export function answer(res: ServerResponse, response: UpstreamResponse, options: AnswerOptions): Promise<JsonBody | undefined> {
  res.statusCode = response.status;
  if (response.statusMessage) res.statusMessage = response.statusMessage;
  const { headers } = response;
  for (const name in headers) {
    const value = headers[name];
    // The request id is ours (already set); the upstream's is logged, not passed on.
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-openstack-request-id') continue;
    res.setHeader(name, name === 'location' && typeof value === 'string' ? rewriteLocation(value, options.links.map) : value);
  }
  if (options.serviceProvider) res.setHeader('x-k2k-service-provider', options.serviceProvider);
  return new Promise((resolve) => {
    let copy: JsonBody | undefined;
    const done = () => resolve(res.writableFinished ? copy : undefined);
    res.once('finish', done);
    res.once('close', done);
    response.body.once('error', () => res.destroy());
    const plan = planBody(res, response, options.links.limitBytes);
    if (plan.rewrite === 'whole') {
      return rewriteBody(res, response.body, options.links, options.projectIds, (original) => {
        copy = original.bytes.length <= options.keepJsonUpTo ? original : undefined;
        return copy && options.beforeEnd?.(copy);
      });
    }
    if (plan.rewrite === 'streaming') return rewriteStreaming(res, response.body, options.links);
    if (plan.warning) options.links.notRewritten(plan.warning);
    // pipe rather than stream.pipeline, which costs an AbortController per request; a client that
    // goes away takes the upstream request with it (Upstream).
    response.body.pipe(res);
  });
}

/** Step 6 for a merged list: the JSON body with `headers` (the microversion served), naming in X-K2K-Partial the clouds whose items are missing. */
export function answerList(res: ServerResponse, body: unknown, partial: readonly string[], headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.statusCode = 200;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  if (partial.length > 0) res.setHeader('x-k2k-partial', partial.join(', '));
  res.end(text);
}

type BodyPlan = { rewrite: 'whole' } | { rewrite: 'streaming' } | { rewrite: false; warning?: string };
const WHOLE: BodyPlan = { rewrite: 'whole' };
const STREAMING: BodyPlan = { rewrite: 'streaming' };
const AS_IT_CAME: BodyPlan = { rewrite: false };

/**
 * How the body's links are rewritten: a JSON body read whole when its length is known to be within
 * the limit (or unknown: chunked), else as it streams; none in any other body (and, when that is
 * JSON all the same, why not).
 */
function planBody(res: ServerResponse, response: UpstreamResponse, limitBytes: number): BodyPlan {
  const { headers } = response;
  if (res.req.method === 'HEAD' || BODILESS.has(response.status) || !JSON_TYPE.test(headers['content-type'] ?? '')) return AS_IT_CAME;
  const encoding = headers['content-encoding'];
  if (encoding && encoding !== 'identity') return { rewrite: false, warning: `its JSON body is ${encoding}-encoded` };
  return Number(headers['content-length'] ?? 0) > limitBytes ? STREAMING : WHOLE;
}


/**
 * Reads a JSON body and sends it with its links (and `projectIds`) rewritten and its new length; `keep` gets the
 * bytes as they came, and the answer is sent once what it returns is done. A body that grows past
 * the limit (one sent chunked) is rewritten as it streams instead: what was read, then the rest.
 */
function rewriteBody(res: ServerResponse, body: Readable, links: LinkRewrite, projectIds: ProjectIdAnswer | undefined, keep: (original: JsonBody) => Promise<void> | undefined): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size <= links.limitBytes) return;
    body.off('data', onData).off('end', onEnd).pause();
    rewriteStreaming(res, body, links, chunks);
  };
  const onEnd = () => {
    if (res.destroyed) return;
    const original = new JsonBody(Buffer.concat(chunks, size));
    const linked = rewriteJsonLinks(original, links.map);
    const rewritten = projectIds ? rewriteProjectIds(linked, projectIds) : linked;
    const send = () => {
      if (res.destroyed) return;
      res.setHeader('content-length', rewritten.length);
      res.end(rewritten);
    };
    const held = keep(original);
    if (held) void held.catch(() => undefined).then(send);
    else send();
  };
  body.on('data', onData).once('end', onEnd);
}

/**
 * Sends a JSON body too large to read whole with its links rewritten as it streams (after the
 * chunks already read from it), in bounded memory. The links' lengths may change, so it goes
 * chunked, without the upstream's length.
 */
function rewriteStreaming(res: ServerResponse, body: Readable, links: LinkRewrite, read: Buffer[] = []): void {
  res.removeHeader('content-length');
  const rewriter = new JsonLinkStream(links.map, () => links.notRewritten(`a URL in its JSON body is longer than ${MAX_LINK_BYTES} bytes`));
  rewriter.pipe(res);
  for (const chunk of read) rewriter.write(chunk);
  body.pipe(rewriter);
}
