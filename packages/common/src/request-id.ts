import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const HEADER = 'x-openstack-request-id';
const requestIds = new WeakMap<IncomingMessage, string>();

/**
 * The request's `x-openstack-request-id` (`req-<uuid>`): made on first use and set on the response,
 * so every middleware handling the same request reports the same id.
 */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  let id = requestIds.get(req);
  if (!id) {
    id = `req-${randomUUID()}`;
    requestIds.set(req, id);
  }
  if (!res.headersSent && !res.hasHeader(HEADER)) res.setHeader(HEADER, id);
  return id;
}

const GLOBAL_REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The caller's global request id: an incoming `x-openstack-request-id` in the `req-<uuid>` form
 * (oslo's check), else undefined. Anything else a caller sends is not carried on.
 */
export function globalRequestIdOf(req: IncomingMessage): string | undefined {
  const incoming = req.headers[HEADER];
  return typeof incoming === 'string' && GLOBAL_REQUEST_ID.test(incoming) ? incoming : undefined;
}
