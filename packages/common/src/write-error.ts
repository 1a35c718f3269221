import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError } from './openstack-error.js';
import { requestIdOf } from './request-id.js';

/**
 * Answers the request with an OpenStack JSON error and the request id. Anything that is not an
 * OpenStackError becomes a 500 whose message says nothing of its internals. When the answer has
 * already begun, the response is destroyed instead (the client sees a broken response, not a lie).
 */
export function writeOpenStackError(req: IncomingMessage, res: ServerResponse, error: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const failure = error instanceof OpenStackError ? error : new OpenStackError(500, 'The server has either erred or is incapable of performing the requested operation.');
  requestIdOf(req, res);
  const body = JSON.stringify(failure.toBody());
  res.statusCode = failure.status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}
