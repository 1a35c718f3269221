import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdOf, writeOpenStackError } from '@k2k/common';
import { AuthCore, type AuthOutcome } from './auth-core.js';
import type { KeystoneAuthOptions } from './options.js';

/** The keystoneAuth middleware, with `close()` to release its Keystone connections. */
export interface KeystoneAuthMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** Validation cache hits and misses, for metrics */
  stats(): { hits: number; misses: number };
  /** Emits 'keystone-call' (KeystoneCallEvent) for every call made to Keystone: token validations and the service's own token */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

/**
 * Express (4 or 5) / Connect middleware that authenticates X-Auth-Token against Keystone, as
 * keystonemiddleware's auth_token does for OpenStack services: on success `req.keystone` and the
 * X-User-*, X-Project-*, X-Roles... headers are set; otherwise 401 (or 403, 503) in OpenStack's
 * JSON shape. Options are checked here, at construction.
 */
export function keystoneAuth(options: KeystoneAuthOptions): KeystoneAuthMiddleware {
  const core = new AuthCore(options);
  const middleware = function keystoneAuthMiddleware(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    requestIdOf(req, res);
    // A warm request (its identity held in this process) is settled at once, without a promise.
    const held = core.authenticateHeld(req);
    if (held) return settle(req, res, next, held);
    core.authenticate(req).then(
      (outcome) => settle(req, res, next, outcome),
      (error: unknown) => next(error),
    );
  };
  return Object.assign(middleware, { stats: () => core.validator.stats(), events: core.events, close: () => core.close() });
}

/** Answers a refused request, or passes it on with `req.keystone` set for a confirmed caller. */
function settle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void, outcome: AuthOutcome): void {
  if (outcome.kind === 'rejected') return writeOpenStackError(req, res, outcome.error, outcome.headers);
  if (outcome.kind === 'confirmed') req.keystone = outcome.identity;
  next();
}
