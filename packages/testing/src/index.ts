export { startMemcached, freePort } from './memcached-server.js';
export type { MemcachedServer, StartMemcachedOptions } from './memcached-server.js';
export { readFederationEnvFile, formatFederationEnv } from './federation-env.js';
export type { FederationEnv } from './federation-env.js';
