import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { OpenStackError } from '@k2k/common';
import { HOP_BY_HOP, JSON_TYPE } from './http-headers.js';

/** How the client's body goes upstream: none, streamed as it comes, or whole (a parser already read it). */
export type OutgoingBody = { kind: 'none' } | { kind: 'streamed' } | { kind: 'whole'; bytes: Buffer | string };

/** The headers and body of the request sent upstream for a client's request. */
export interface OutgoingRequest {
  headers: OutgoingHttpHeaders;
  body: OutgoingBody;
}

/** What an outgoing request is built from: the client's headers left out, those to set, and a body of our own. */
export interface OutgoingRules {
  /** The client's headers left out (lower case), where present */
  remove: ReadonlySet<string>;
  /** Set on the outgoing request; lower-case names, so each replaces the client's header of that name */
  headers: Record<string, string>;
  /** Sent instead of the client's body (JSON text): the client's body with the SP's project ids */
  body?: string;
}

/**
 * Never copied from the client's headers: the hop-by-hop ones, Host (Node sets the upstream's),
 * and Expect: Node already answered `100 Continue` to the client (there is no checkContinue
 * listener), and the outgoing request sends its body without waiting for one.
 */
const NOT_COPIED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'expect', 'host']);
const NONE: OutgoingBody = { kind: 'none' };
const STREAMED: OutgoingBody = { kind: 'streamed' };

/**
 * The request sent upstream for `req`, whatever it carries (Expect, a chunked body, an Upgrade
 * attempt): the client's headers without the hop-by-hop ones, those the Connection header names and
 * `rules.remove`, plus `rules.headers`; its body streamed, or re-sent when a body parser (or
 * routing, for a create's name) already read it: a Buffer or string as it is, a parsed object as
 * JSON, with its length; or `rules.body` instead. A body read in any other form cannot be forwarded (500).
 */
export function outgoingRequest(req: IncomingMessage, rules: OutgoingRules): OutgoingRequest {
  const incoming = req.headers;
  const body: OutgoingBody = rules.body === undefined ? outgoingBody(req) : { kind: 'whole', bytes: rules.body };
  const named = connectionNamed(incoming.connection);
  const headers: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (NOT_COPIED.has(name) || rules.remove.has(name) || named?.has(name)) continue;
    headers[name] = incoming[name];
  }
  for (const name in rules.headers) headers[name] = rules.headers[name];
  if (body.kind === 'whole') headers['content-length'] = Buffer.byteLength(body.bytes);
  // A chunked body goes chunked again: Node frames a GET or DELETE body only when told to.
  else if (body.kind === 'streamed' && incoming['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  return { headers, body };
}

function outgoingBody(req: IncomingMessage): OutgoingBody {
  const { headers } = req;
  if (headers['transfer-encoding'] === undefined && !(Number(headers['content-length']) > 0)) return NONE;
  if (!req.readableEnded) return STREAMED;
  const body = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(body) || typeof body === 'string') return { kind: 'whole', bytes: body };
  if (typeof body === 'object' && body !== null && (headers['content-type'] === undefined || JSON_TYPE.test(headers['content-type']))) {
    return { kind: 'whole', bytes: JSON.stringify(body) };
  }
  throw new OpenStackError(500, 'The request body was consumed before k2kForward and cannot be forwarded; mount body parsers after it.');
}

/** The headers a Connection header names (hop-by-hop too), beyond the usual keep-alive or close. */
function connectionNamed(connection: string | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined) return undefined;
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return undefined;
  return new Set(lower.split(',').map((name) => name.trim()));
}
