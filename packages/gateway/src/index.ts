/**
 * @k2k/gateway for embedders: the gateway's Express apps without listening (createGateway), the
 * same served as `k2k-gateway` serves it (runGateway), the config (loadConfig, parseConfig and its
 * types, the schema a file is checked against), the catalog and sync commands, and the command run
 * as a child process (startGatewayProcess). README.md, "Embedding".
 */
export { createGateway, type Gateway, type GatewayOptions } from './app/gateway.js';
export { runGateway, type RunningGateway } from './serve/server.js';
export { resolveVirtualRegions } from './catalog/discover-virtual-regions.js';
export { expressBornRequests, type RequestClasses } from './serve/express-born-requests.js';
export { createLogger } from './app/logger.js';
export { GatewayMetrics } from './app/metrics.js';
export {
  loadConfig,
  parseConfig,
  type ApplicationCredentialAuth,
  type DrainConfig,
  type GatewayConfig,
  type KeystoneConfig,
  type KeystoneLogin,
  type ListenConfig,
  type MemcachedConfig,
  type PasswordAuth,
  type RoutingConfig,
  type StoreConfig,
  type UpstreamConfig,
} from './config/config.js';
export { ConfigFileSchema, type ConfigFile } from './config/config-schema.js';
export type { VirtualRegion } from './config/virtual-regions.js';
export type { ServiceProviderSettings, ResellerConfig } from './config/provider-settings.js';
export type { SyncConfig } from './config/sync-config.js';
export { CATALOG_ACTIONS, runCatalogCommand, type CatalogAction } from './catalog/catalog-command.js';
export { runSyncCommand, type SyncCommandOptions } from './sync/sync-command.js';
export type { SyncReport } from './sync/project-sync.js';
export { GATEWAY_MAIN, startGatewayProcess, type GatewayProcess, type StartGatewayOptions } from './serve/start-gateway.js';
