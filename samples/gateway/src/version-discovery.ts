import type { IncomingMessage, ServerResponse } from 'node:http';
import { removeIdentityHeaders } from '@k2k/keystone-auth';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** Below a mount: its root (''), a bare version root ('/v3', '/v3/') or Glance's '/versions'. */
const DISCOVERY_PATH = /^(\/((v\d+(\.\d+)?|versions)\/?)?)?$/;
/** Headers that name a service provider: such a request needs a token, so keystoneAuth answers it. */
const NAMES_A_PROVIDER = ['service-provider', 'mm-service-provider'];

/**
 * keystoneAuth for a mount, except for anonymous version discovery, which Cinder and Glance answer
 * without a token: a GET or HEAD of the mount's root (`/volume`, `/volume/`), of a bare version
 * root (`/volume/v3`, `/volume/v3/`) or of `/image/versions`, carrying no token and naming no
 * service provider. That request goes on unauthenticated (spoofed identity headers removed all the
 * same); k2kForward sends it to the local service, with no token, and the service answers it as it
 * answers anyone (Cinder's `/v3/` itself asks for a token). Everything else, a token included, is
 * keystoneAuth's to judge.
 */
export function authenticateUnlessVersionDiscovery(auth: Middleware): Middleware {
  return function authenticateMount(req, res, next) {
    if (!isAnonymousVersionDiscovery(req)) return auth(req, res, next);
    removeIdentityHeaders(req);
    next();
  };
}

function isAnonymousVersionDiscovery(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (req.headers['x-auth-token'] !== undefined || req.headers['x-service-token'] !== undefined) return false;
  if (NAMES_A_PROVIDER.some((name) => req.headers[name] !== undefined)) return false;
  return DISCOVERY_PATH.test((req.url ?? '').split('?')[0]);
}
