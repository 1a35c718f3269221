import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf } from './request-path.js';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
type Mounted = IncomingMessage & { baseUrl?: string };

/**
 * Mount paths, matched as Express matches `app.use(path)`: a request path (without its query) is
 * at a mount when the mount starts it on a segment boundary, in any case. The first that matches
 * wins. What the dispatcher routes by and what the request log labels by, so the two agree.
 */
export class MountPaths {
  private readonly lowerPaths: string[];

  constructor(readonly paths: readonly string[]) {
    this.lowerPaths = paths.map((path) => path.toLowerCase());
  }

  /** The index in `paths` of the mount `path` is at, or -1. */
  indexOf(path: string): number {
    const lower = path.toLowerCase();
    return this.lowerPaths.findIndex((mount) => lower.startsWith(mount) && (lower.length === mount.length || lower[mount.length] === '/'));
  }

  /** The mount `path` is at, as configured; undefined when none. */
  mountOf(path: string): string | undefined {
    return this.paths[this.indexOf(path)];
  }
}

/**
 * The gateway's mounts as one router layer: the request goes to its mount (MountPaths), with
 * `req.url` below the mount and `req.baseUrl` the mount, as Express sets them for a mounted
 * middleware, and both restored when it passes the request on. Express's router matches and
 * allocates per layer and per mount on every request; this is one layer and a prefix compare.
 */
export function mountDispatch(mounts: readonly (readonly [path: string, handler: Middleware])[]): Middleware {
  const paths = new MountPaths(mounts.map(([path]) => path));
  return function dispatchToMount(req: Mounted, res, next) {
    const url = req.url ?? '/';
    const at = paths.indexOf(pathOf(url));
    if (at === -1) return next();
    const mountLength = paths.paths[at].length;
    const baseUrl = req.baseUrl ?? '';
    const below = url.slice(mountLength);
    req.baseUrl = `${baseUrl}${url.slice(0, mountLength)}`;
    req.url = below.startsWith('/') ? below : `/${below}`;
    mounts[at][1](req, res, (error?: unknown) => {
      req.url = url;
      req.baseUrl = baseUrl;
      next(error);
    });
  };
}
