import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger as PinoLogger } from 'pino';
import type { GatewayConfig } from './config.js';
import { createGateway, type GatewayOptions } from './gateway.js';

/** How long in-flight requests get to finish after a stop signal. */
const DRAIN_MS = 30_000;

export interface RunningGateway {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to 30 s), then releases everything */
  stop(): Promise<void>;
}

/** Serves the gateway on the configured address (one process: the only one, or a cluster worker). */
export async function runGateway(config: GatewayConfig, logger: PinoLogger, options: GatewayOptions = {}): Promise<RunningGateway> {
  const gateway = createGateway(config, logger, options);
  const server = createServer(gateway.app);
  // keep-alive connections from clients outlive requests; they are closed when idle on shutdown
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: config.listen.host, port, mounts: config.mounts }, 'gateway listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      gateway.drain();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      await closed;
      clearInterval(idleSweep);
      clearTimeout(deadline);
      await gateway.close();
      logger.info({}, 'gateway stopped');
    })());
  return { server, port, stop };
}
