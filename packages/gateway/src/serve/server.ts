import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger as PinoLogger } from 'pino';
import type { GatewayConfig } from '../config/config.js';
import { resolveVirtualRegions } from '../catalog/discover-virtual-regions.js';
import { createGateway, type GatewayOptions } from '../app/gateway.js';
import { closeListener, createListener, listen } from './http-listener.js';

export interface RunningGateway {
  server: Server;
  port: number;
  /** The admin listener's port, when the config has one */
  adminPort: number | undefined;
  /**
   * Drains as `config.drain` says: /healthz answers 503 while requests are still served for the
   * grace, then the listener closes and requests in flight get the timeout; then everything is released
   */
  stop(): Promise<void>;
}

/** Serves the gateway on the configured addresses (one process: the only one, or a cluster worker). */
export async function runGateway(config: GatewayConfig, logger: PinoLogger, options: GatewayOptions = {}): Promise<RunningGateway> {
  const virtualRegions = options.virtualRegions ?? (await resolveVirtualRegions(config, logger));
  const gateway = createGateway(config, logger, { ...options, virtualRegions });
  const server = createListener(gateway.app, config.listen);
  const admin = config.adminListen && { address: config.adminListen, server: createListener(gateway.admin, config.listen) };
  let port: number;
  let adminPort: number | undefined;
  try {
    port = await listen(server, config.listen);
    if (admin) adminPort = await listen(admin.server, admin.address);
  } catch (error) {
    await Promise.all([closeListener(server, 0), admin && closeListener(admin.server, 0)]);
    await gateway.close();
    throw error;
  }
  logger.info(
    { host: config.listen.host, port, ...(admin && { adminHost: admin.address.host, adminPort }), mounts: config.mounts, virtualRegions: virtualRegions.map((region) => region.name) },
    'gateway listening',
  );

  const { graceSeconds, timeoutSeconds } = config.drain;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      gateway.drain();
      logger.info({ graceSeconds }, 'stopping: /healthz answers 503; requests are still served during the grace');
      await sleep(graceSeconds * 1000);
      logger.info({ timeoutSeconds }, 'stopping: the listener is closed; requests in flight may finish');
      await closeListener(server, timeoutSeconds * 1000);
      // the admin listener goes last, so a balancer sees the 503 until the very end
      if (admin) await closeListener(admin.server, timeoutSeconds * 1000);
      await gateway.close();
      logger.info({}, 'gateway stopped');
    })());
  return { server, port, adminPort, stop };
}
