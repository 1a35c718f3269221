import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError, writeOpenStackError } from '@k2k/common';

/**
 * The gateway's first step: only origin-form request targets ('/path?query') go any further. The
 * absolute form ('GET http://host/...') and '//host/...' name another host; k2kForward would refuse
 * them too, but here nothing (not even token validation) happens for them.
 */
export function originFormOnly(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const target = req.url ?? '';
  if (target.startsWith('/') && !target.startsWith('//')) return next();
  writeOpenStackError(req, res, new OpenStackError(400, 'The request target must be a path starting with a single "/".'));
}
