/**
 * The K2K gateway's command line (`k2k-gateway`, or `npm start -w packages/gateway -- ...`; see
 * USAGE): serves with `--config FILE` (YAML or JSON; see README), or manages the virtual regions in
 * the IdP's catalog with `catalog print|register|remove --config FILE`. With workers > 1 a node
 * cluster primary (serve/supervisor.ts) forks the workers, which share the port and memcached. Exit
 * codes: 2 for a bad command line or config, 1 when the gateway cannot start or a command fails.
 */
import cluster from 'node:cluster';
import { OptionError } from '@k2k/common';
import { runCatalogCommand } from '../catalog/catalog-command.js';
import { runSyncCommand } from '../sync/sync-command.js';
import { clusterMetricsReader } from '../serve/cluster-metrics.js';
import { parseCommandLine, USAGE, type Command } from './command-line.js';
import { loadConfig, type GatewayConfig } from '../config/config.js';
import { createLogger } from '../app/logger.js';
import { runGateway } from '../serve/server.js';
import { supervise } from '../serve/supervisor.js';
import type { ListeningMessage, StartFailedMessage } from '../serve/worker-messages.js';

/** Serves in this process (the only one, or a cluster worker) until SIGTERM or SIGINT, then drains. */
async function serve(config: GatewayConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  const running = await runGateway(config, logger, cluster.isWorker ? { readMetrics: (metrics) => clusterMetricsReader(metrics.registry) } : {});
  const stop = () => void running.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Only now: whoever hears it may stop us at once, and a signal before the handlers would kill outright.
  const listening: ListeningMessage = { type: 'k2k:listening', port: running.port, adminPort: running.adminPort };
  process.send?.(listening);
}

/** Project sync until SIGTERM or SIGINT (or one round): exit 0, or 1 when something failed. */
function sync(command: Extract<Command, { kind: 'sync' }>, config: GatewayConfig): void {
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  runSyncCommand(config, command, (line) => console.log(line), createLogger(config.logLevel), stop.signal).then(
    (report) => process.exit(report.failures > 0 ? 1 : 0),
    (error: unknown) => {
      console.error(`k2k gateway: sync: ${(error as Error).message}`);
      process.exit(error instanceof OptionError ? 2 : 1);
    },
  );
}

function failedToStart(error: Error): void {
  if (cluster.isWorker) {
    // The primary prints the reason once it gives up; printed here, every retry would repeat it.
    const failed: StartFailedMessage = { type: 'k2k:start-failed', reason: error.message };
    process.send?.(failed, () => process.exit(1));
    return;
  }
  console.error(`k2k gateway: ${error.message}`);
  process.exit(1);
}

function main(): void {
  let command: Command;
  let config: GatewayConfig;
  try {
    command = parseCommandLine(process.argv.slice(2));
    if (command.kind === 'help') {
      console.log(USAGE);
      return;
    }
    config = loadConfig(command.configFile);
    if (command.kind === 'check') {
      console.log(`k2k gateway: ${command.configFile} is valid`);
      return;
    }
  } catch (error) {
    console.error(`k2k gateway: ${(error as Error).message}`);
    process.exit(2);
  }
  if (command.kind === 'catalog') {
    runCatalogCommand(command.action, config, (line) => console.log(line)).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`k2k gateway: catalog ${command.action}: ${(error as Error).message}`);
        process.exit(error instanceof OptionError ? 2 : 1);
      },
    );
    return;
  }
  if (command.kind === 'sync') return sync(command, config);
  if (config.workers > 1 && cluster.isPrimary) return supervise(config, createLogger(config.logLevel));
  serve(config).catch(failedToStart);
}

main();
