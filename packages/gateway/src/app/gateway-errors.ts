import type { IncomingMessage, ServerResponse } from 'node:http';
import { OpenStackError, requestIdOf, writeOpenStackError } from '@k2k/common';
import type { Logger as PinoLogger } from 'pino';

/** A path that no mount and none of the gateway's own endpoints serve: OpenStack's JSON 404, as the services answer it. */
export function notFound(req: IncomingMessage, res: ServerResponse): void {
  writeOpenStackError(req, res, new OpenStackError(404, 'The resource could not be found.'));
}

/**
 * An error a middleware passed on (`next(error)`) answered in OpenStack's JSON with the request id,
 * never Express's HTML page (which shows the stack outside production). Only the message is
 * logged: the middlewares' errors never carry a token.
 */
export function errorsAsOpenStack(logger: PinoLogger) {
  return function openStackError(error: unknown, req: IncomingMessage, res: ServerResponse, _next: (error?: unknown) => void): void {
    if (!(error instanceof OpenStackError)) logger.error({ requestId: requestIdOf(req, res), err: { message: (error as Error)?.message } }, 'request failed');
    writeOpenStackError(req, res, error);
  };
}
