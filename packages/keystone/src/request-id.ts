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
