import type { Request, Response, NextFunction } from 'express';
import { pathOf } from './request-path.js';

export interface OwnEndpointsSource {
  /** True once the gateway is stopping */
  draining: () => boolean;
  /** The Prometheus text and its content type */
  readMetrics: () => Promise<string>;
  metricsContentType: string;
}

/**
 * The gateway's own endpoints: `/healthz` (503 from the stop signal on, so a load balancer takes
 * the gateway out while it still serves) and `/metrics`, for GET (and HEAD). One function rather
 * than a router: every request passes here, and two string comparisons are all it costs them.
 */
export function ownEndpoints(source: OwnEndpointsSource): (req: Request, res: Response, next: NextFunction) => void {
  return function ownEndpoint(req, res, next) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const path = pathOf(req.url);
    if (path === '/healthz') {
      const draining = source.draining();
      res.status(draining ? 503 : 200).json({ status: draining ? 'draining' : 'ok' });
      return;
    }
    if (path !== '/metrics') return next();
    source.readMetrics().then(
      (text) => void res.type(source.metricsContentType).send(text),
      (error: unknown) => next(error),
    );
  };
}
