import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError, writeOpenStackError } from '@k2k/common';

/**
 * An Express error handler that answers errors in OpenStack's JSON shape: OpenStackErrors with
 * their status, Passport's authentication failures (`failWithError`) as 401 with the challenge
 * Passport already set, anything else as a 500 that reveals nothing.
 */
export function keystoneErrorHandler() {
  return function keystoneErrorHandler(error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    if (res.headersSent) return next(error);
    const failure = error as { name?: string; status?: number };
    if (failure?.name === 'AuthenticationError' && failure.status === 401) {
      return writeOpenStackError(req, res, new OpenStackError(401, 'The request you have made requires authentication.'));
    }
    writeOpenStackError(req, res, error);
  };
}
