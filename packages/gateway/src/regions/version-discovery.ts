import type { IncomingMessage, ServerResponse } from 'node:http';
import { endpointRoot, mountUrl } from '@k2k/k2k-forward';
import { removeIdentityHeaders } from '@k2k/keystone-auth';
import { pathOf } from '../app/request-path.js';

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
  return DISCOVERY_PATH.test(pathOf(req.url ?? ''));
}

/** The version an unversioned endpoint of a service serves: Glance's endpoints name none, and its clients speak v2. */
const UNVERSIONED_ENDPOINT: Readonly<Record<string, string>> = { image: 'v2' };
/** The version segment at the start of an endpoint's path below its root */
const VERSION_SEGMENT = /^\/(v\d+(?:\.\d+)?)(?:\/|$)/;
/** Headers the gateway set on the answer it replaces, kept on the version document */
const OWN_HEADERS = new Set(['x-openstack-request-id', 'x-k2k-service-provider']);

/**
 * The API version a mount serves, from its local endpoint: the version segment of its path ('v3'
 * of `http://host:8776/v3/%(project_id)s`), else the one an unversioned endpoint of that service
 * serves (image: 'v2'), else none (no version document can be made for it).
 */
export function mountVersion(serviceType: string, endpoint: string | undefined): string | undefined {
  const path = endpoint === undefined ? '' : new URL(endpoint).pathname;
  return VERSION_SEGMENT.exec(path.slice(endpointRoot(path).length))?.[1] ?? UNVERSIONED_ENDPOINT[serviceType];
}

/**
 * A version document at the mount's root when the service behind it has none to give: a GET or
 * HEAD of the root (`/volume`, `/volume/`, a virtual region's `/sp1/volume/`) that the upstream
 * answers 404 (the local service, or the service provider a pinned mount or the caller chose) is
 * answered as Cinder and Glance answer theirs, 300 Multiple Choices with `{"versions": [...]}`:
 * the mount's `version`, CURRENT, its link below this mount. Any other answer passes as it came.
 * `publicUrl`: the gateway's URL for the mount, when configured (as k2kForward's links use it).
 */
export function versionDocumentWhenNone(version: string, publicUrl: URL | undefined): Middleware {
  return function versionDocument(req, res, next) {
    const root = pathOf(req.url ?? '') === '/';
    if (root && (req.method === 'GET' || req.method === 'HEAD')) replaceNotFound(res, () => versionDocumentBody(mountUrl(req, publicUrl), version));
    next();
  };
}

/**
 * The document: one version, with the microversion every service of that version serves as both
 * minimum and maximum ('3.0' for v3), since only the service knows its newer ones; cinderclient
 * reads both fields and negotiates down to them.
 */
function versionDocumentBody(mount: URL, version: string): Buffer {
  const number = version.includes('.') ? version.slice(1) : `${version.slice(1)}.0`;
  const self = `${mount.href.replace(/\/+$/, '')}/${version}/`;
  return Buffer.from(JSON.stringify({ versions: [{ id: `v${number}`, status: 'CURRENT', min_version: number, version: number, links: [{ rel: 'self', href: self }] }] }));
}

/**
 * Lets the mount answer as usual unless its answer is a 404: then `document` is sent in its place
 * (status, headers, body) and the 404's body is dropped. k2kForward streams the upstream's answer
 * into `res` itself, so the seam is the answer's head going out (writeHead, or the first write or
 * end), as in compression middleware.
 */
function replaceNotFound(res: ServerResponse, document: () => Buffer): void {
  const original = { writeHead: res.writeHead as Method, write: res.write as Method, end: res.end as Method };
  let replaced = false;
  /** Whether the answer is replaced, decided when its head goes out with `status` */
  const replacing = (status: number): boolean => {
    if (replaced || res.headersSent || status !== 404) return replaced;
    replaced = true;
    const body = document();
    for (const name of res.getHeaderNames()) if (!OWN_HEADERS.has(name)) res.removeHeader(name);
    original.writeHead.call(res, 300, 'Multiple Choices', { 'content-type': 'application/json', 'content-length': body.length });
    original.end.call(res, body);
    return true;
  };
  res.writeHead = function writeHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    return replacing(status) ? this : original.writeHead.call(this, status, ...rest);
  } as Method as typeof res.writeHead;
  res.write = function write(this: ServerResponse, ...args: unknown[]) {
    return replacing(this.statusCode) || original.write.apply(this, args);
  } as Method as typeof res.write;
  res.end = function end(this: ServerResponse, ...args: unknown[]) {
    return replacing(this.statusCode) ? this : original.end.apply(this, args);
  } as Method as typeof res.end;
}

/** A response method with its overloads erased, to be called with the arguments it was given */
type Method = (this: ServerResponse, ...args: unknown[]) => unknown;
