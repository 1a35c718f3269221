import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { sendJson } from '../sim-server.js';

/** Keystone's error answer: `{"error": {"code", "message", "title"}}`, WWW-Authenticate on 401. */
export function sendKeystoneError(res: ServerResponse, status: number, message: string, authUrl: string): void {
  const headers: Record<string, string> = { vary: 'X-Auth-Token' };
  if (status === 401) headers['www-authenticate'] = `Keystone uri="${authUrl}"`;
  sendJson(res, status, { error: { code: status, message, title: STATUS_CODES[status] ?? 'Error' } }, headers);
}

export const MESSAGES = {
  unauthorized: 'The request you have made requires authentication.',
  unrecognizedToken: 'Could not recognize Fernet token',
  failedToValidate: 'Failed to validate token',
  forbiddenValidate: 'You are not authorized to perform the requested action: identity:validate_token.',
  forbiddenListProviders: 'You are not authorized to perform the requested action: identity:list_service_providers.',
  ecpNeedsProjectScope: 'You are not authorized to perform the requested action: Use a project scoped token when attempting to create a SAML assertion.',
  unknownServiceProvider: (id: string) => `Could not find Service Provider: ${id}.`,
  badRequest: 'Expecting to find auth in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
} as const;

/** A shibd-style HTML error page (what Keystone's SP side answers when its SAML module fails). */
export function sendShibbolethError(res: ServerResponse, title: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`;
  res.writeHead(500, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), 'cache-control': 'private,no-store,no-cache,max-age=0' });
  res.end(body);
}
