import express from 'express';

export interface OwnEndpointsSource {
  /** True once the gateway is stopping */
  draining: () => boolean;
  /** The Prometheus text and its content type */
  readMetrics: () => Promise<string>;
  metricsContentType: string;
}

/**
 * The gateway's own endpoints: `/healthz` (503 from the stop signal on, so a load balancer takes
 * the gateway out while it still serves) and `/metrics`.
 */
export function ownEndpoints(source: OwnEndpointsSource): express.Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    const draining = source.draining();
    res.status(draining ? 503 : 200).json({ status: draining ? 'draining' : 'ok' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(source.metricsContentType).send(await source.readMetrics());
  });
  return router;
}
