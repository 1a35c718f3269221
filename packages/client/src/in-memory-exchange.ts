import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { inject, type InjectOptions } from 'light-my-request';

/** One request for a face's handler, as the engine takes it from a server: method, path, headers, body. */
export interface InMemoryRequest {
  method: string;
  /** The path and query, as a server would see them */
  url: string;
  headers: Record<string, string>;
  /** Absent: no body; a Buffer is sent with its length, a stream chunked */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

/** Headers of the handler's answer that describe its connection, not the answer. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding']);
/** Statuses whose answers have no body (fetch's Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Runs `handle` on an in-memory request and response (Fastify's light-my-request: a real
 * IncomingMessage and ServerResponse on no socket), and gives its answer as a standard Response
 * as soon as the head is written, the body streaming after: the engine's pipeline, which works on
 * a server's request and response, serves a `fetch` call without a loopback server or a second
 * HTTP parse.
 */
export async function exchange(handle: (req: IncomingMessage, res: ServerResponse) => void, request: InMemoryRequest): Promise<Response> {
  const answer = await inject(handle, {
    method: request.method as InjectOptions['method'],
    url: request.url,
    headers: request.headers,
    ...(request.body !== undefined && { payload: request.body }),
    ...(request.signal && { signal: request.signal }),
    payloadAsStream: true,
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || CONNECTION_HEADERS.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, String(one));
  }
  const stream = answer.stream();
  if (request.method === 'HEAD' || NULL_BODY.has(answer.statusCode)) {
    stream.resume();
    return new Response(null, { status: answer.statusCode, statusText: answer.statusMessage, headers });
  }
  return new Response(webStream(stream, () => answer.raw.res.destroy()), { status: answer.statusCode, statusText: answer.statusMessage, headers });
}

/**
 * The answer's body as a web stream, read as the reader pulls (backpressure reaches the engine's
 * pipe). Cancelled (a body not wanted), it ends the response, and with it the engine's upstream
 * request; Readable.toWeb would keep pushing into the closed stream.
 */
function webStream(stream: Readable, abandon: () => void): ReadableStream<Uint8Array> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    },
    async cancel() {
      abandon();
      await chunks.return?.();
    },
  });
}
