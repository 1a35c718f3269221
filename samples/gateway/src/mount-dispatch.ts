import type { IncomingMessage, ServerResponse } from 'node:http';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
type Mounted = IncomingMessage & { baseUrl?: string };

/**
 * The gateway's mounts as one router layer: the first mount whose path starts the request's path
 * on a segment boundary, in any case (as Express matches `app.use(path)`), gets the request, with
 * `req.url` below the mount and `req.baseUrl` the mount, as Express sets them for a mounted
 * middleware, and both restored when it passes the request on. Express's router matches and
 * allocates per layer and per mount on every request; this is one layer and a prefix compare.
 */
export function mountDispatch(mounts: readonly (readonly [path: string, handler: Middleware])[]): Middleware {
  const table = mounts.map(([path, handler]) => ({ lowerPath: path.toLowerCase(), handler }));
  return function dispatchToMount(req: Mounted, res, next) {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = (queryAt === -1 ? url : url.slice(0, queryAt)).toLowerCase();
    const mount = table.find(({ lowerPath }) => path.startsWith(lowerPath) && (path.length === lowerPath.length || path[lowerPath.length] === '/'));
    if (!mount) return next();
    const baseUrl = req.baseUrl ?? '';
    const below = url.slice(mount.lowerPath.length);
    req.baseUrl = `${baseUrl}${url.slice(0, mount.lowerPath.length)}`;
    req.url = below.startsWith('/') ? below : `/${below}`;
    mount.handler(req, res, (error?: unknown) => {
      req.url = url;
      req.baseUrl = baseUrl;
      next(error);
    });
  };
}
