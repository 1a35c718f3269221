import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** A call's headers and body as fetch would send them: a body of known size whole, a stream streamed. */
export interface OutgoingCall {
  headers: Headers;
  body?: Buffer | Readable;
}

/**
 * fetch's init made into what the engine is given: the headers normalized (and the content type
 * fetch adds for a text, form or search-params body), a stream body streamed as it comes, any
 * other body (text, bytes, Blob, FormData) read whole. A body with GET or HEAD throws, as in fetch.
 */
export async function outgoingCall(method: string, init: RequestInit): Promise<OutgoingCall> {
  const streamed = init.body instanceof ReadableStream;
  const request = new Request('http://k2k.invalid/', { method, headers: init.headers, body: init.body, ...(streamed && { duplex: 'half' }) });
  if (!request.body) return { headers: request.headers };
  if (streamed) {
    request.headers.delete('content-length');
    request.headers.set('transfer-encoding', 'chunked');
    return { headers: request.headers, body: Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>) };
  }
  return { headers: request.headers, body: Buffer.from(await request.arrayBuffer()) };
}
