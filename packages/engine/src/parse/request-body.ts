import type { IncomingMessage } from 'node:http';
import { OpenStackError } from '@k2k/common';

type WithBody = IncomingMessage & { body?: unknown; _body?: boolean };

/** Whether the request says its body is JSON (`application/json`, `application/*+json`). */
export function isJsonRequest(req: IncomingMessage): boolean {
  return /^application\/([\w.+-]*\+)?json\b/i.test(req.headers['content-type'] ?? '');
}

/**
 * The request's JSON body, for the few requests routing must look into (a create's name). A body
 * parser that ran before k2kForward left it in `req.body`; otherwise it is read here, at most
 * `limitBytes` (413 beyond), and left parsed in `req.body` the way body-parser leaves it (with its
 * `_body` mark, so a parser after k2kForward does not wait for a stream that was read): the
 * upstream request re-sends it, and a service's own routes find it there.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const holder = req as WithBody;
  if (holder.body !== undefined && req.readableEnded) return Buffer.isBuffer(holder.body) ? parse(holder.body) : holder.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new OpenStackError(413, `The request body is larger than ${limitBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  holder.body = parse(Buffer.concat(chunks));
  holder._body = true;
  return holder.body;
}

function parse(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OpenStackError(400, 'The request body is not valid JSON.');
  }
}
