import type { MemcachedSettings } from './memcached-store.js';
import { OptionError, rejectUnknownKeys, requireBoolean, requireInteger, requireMethods, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';
import type { SecurityStrategy, StoreBackend } from '@k2k/common';

/** Options every backend takes. */
export interface CommonStoreOptions {
  /**
   * Protects cached values (keystonemiddleware's `memcache_secret_key`): with it, values are sealed
   * under keys derived from this secret and the token they belong to. At least 16 characters.
   * Without it, cache keys are still hashes, never tokens, but values are stored in the clear:
   * required for the memcached and tiered backends unless `insecurePlaintext` is set.
   */
  secret?: string;
  /** 'MAC' (authenticate) or 'ENCRYPT' (authenticate and hide, the default). Needs `secret`. */
  securityStrategy?: SecurityStrategy;
}

export interface MemoryStoreOptions extends CommonStoreOptions {
  backend?: 'memory';
  /** Entries kept before the least recently used is evicted. Default 10000. */
  maxEntries?: number;
}

/** Where a store reports what an operator must know (a pino logger fits). */
export interface StoreLogger {
  warn(fields: object, message: string): void;
}

export interface MemcachedStoreOptions extends CommonStoreOptions {
  backend: 'memcached';
  /** `host:port` of each memcached server; keys spread over them by consistent hashing. */
  servers: string[];
  /**
   * Anyone who can reach memcached could read and replay cached tokens, so `secret` is required;
   * `true` stores values unprotected instead, and the store warns that it does once, when created.
   */
  insecurePlaintext?: boolean;
  /** Receives that warning; default: a process warning (`K2K_STORE_PLAINTEXT`). */
  logger?: StoreLogger;
  /** Deadline of each operation in ms; a later answer counts as a miss. Default 500. */
  timeoutMs?: number;
  /** How long a failed server (refused, reset, or 3 timeouts in a row) is skipped before it is tried again, in ms. Default 5000. */
  deadServerRetryMs?: number;
  /** Connections per server. Default 10. */
  poolSize?: number;
  /** A connection idle this long (ms) is closed. Default 30000. */
  idleMs?: number;
}

export interface TieredStoreOptions extends Omit<MemcachedStoreOptions, 'backend'> {
  backend: 'tiered';
  /** Entries the in-process L1 keeps. Default 1000. */
  l1MaxEntries?: number;
  /** Longest time an entry stays in L1, in seconds. Default 5. */
  l1TtlSeconds?: number;
}

export interface CustomStoreOptions extends CommonStoreOptions {
  /** Your own backend (Redis, a test double...). */
  backend: StoreBackend;
}

export type StoreOptions = MemoryStoreOptions | MemcachedStoreOptions | TieredStoreOptions | CustomStoreOptions;

/** Options after validation, defaults filled in. */
export type ParsedStoreOptions = {
  secret: string | undefined;
  securityStrategy: SecurityStrategy;
} & (
  | { backend: 'memory'; maxEntries: number }
  | ({ backend: 'memcached' } & MemcachedSettings & SharedStoreProtection)
  | ({ backend: 'tiered'; l1MaxEntries: number; l1TtlSeconds: number } & MemcachedSettings & SharedStoreProtection)
  | { backend: 'custom'; custom: StoreBackend }
);

/** A shared backend runs either with a secret or with an explicit, logged opt-out. */
export interface SharedStoreProtection {
  insecurePlaintext: boolean;
  logger: StoreLogger | undefined;
}

const COMMON_KEYS = ['backend', 'secret', 'securityStrategy'];
const MEMCACHED_KEYS = [...COMMON_KEYS, 'servers', 'timeoutMs', 'deadServerRetryMs', 'poolSize', 'idleMs', 'insecurePlaintext', 'logger'];
const KNOWN_KEYS = {
  memory: [...COMMON_KEYS, 'maxEntries'],
  memcached: MEMCACHED_KEYS,
  tiered: [...MEMCACHED_KEYS, 'l1MaxEntries', 'l1TtlSeconds'],
  custom: COMMON_KEYS,
};
const BACKENDS = ['memory', 'memcached', 'tiered'] as const;

/** Validates store options, naming the offending option, and fills in defaults. */
export function parseStoreOptions(input: StoreOptions = {}, where = 'store'): ParsedStoreOptions {
  const options = requireObject(input, where);
  const backend = isBackend(options.backend) ? 'custom' : requireOneOf(withDefault(options.backend, 'memory'), `${where}.backend`, BACKENDS);
  rejectUnknownKeys(options, KNOWN_KEYS[backend], where);

  const secret = options.secret === undefined ? undefined : requireString(options.secret, `${where}.secret`);
  if (secret !== undefined && secret.length < 16) throw new OptionError(`${where}.secret`, 'must be at least 16 characters');
  if (options.securityStrategy !== undefined && secret === undefined) {
    throw new OptionError(`${where}.securityStrategy`, 'needs a secret to derive its keys from');
  }
  const common = { secret, securityStrategy: requireOneOf(withDefault(options.securityStrategy, 'ENCRYPT'), `${where}.securityStrategy`, ['MAC', 'ENCRYPT'] as const) };

  switch (backend) {
    case 'custom':
      return { ...common, backend, custom: options.backend as StoreBackend };
    case 'memory':
      return { ...common, backend, maxEntries: requireInteger(withDefault(options.maxEntries, 10_000), `${where}.maxEntries`, 1) };
    case 'memcached':
      return { ...common, backend, ...parseMemcachedSettings(options, where), ...parseProtection(options, backend, secret, where) };
    case 'tiered':
      return {
        ...common,
        backend,
        ...parseMemcachedSettings(options, where),
        l1MaxEntries: requireInteger(withDefault(options.l1MaxEntries, 1000), `${where}.l1MaxEntries`, 1),
        l1TtlSeconds: requireInteger(withDefault(options.l1TtlSeconds, 5), `${where}.l1TtlSeconds`, 1),
        ...parseProtection(options, backend, secret, where),
      };
  }
}

/** Without a secret, memcached would hold usable tokens in the clear: refuse, unless opted out. */
function parseProtection(options: Record<string, unknown>, backend: string, secret: string | undefined, where: string): SharedStoreProtection {
  const insecurePlaintext = requireBoolean(withDefault(options.insecurePlaintext, false), `${where}.insecurePlaintext`);
  if (insecurePlaintext && secret !== undefined) throw new OptionError(`${where}.insecurePlaintext`, 'cannot be used with a secret: drop one of them');
  if (!insecurePlaintext && secret === undefined) {
    throw new OptionError(
      `${where}.secret`,
      `required for the ${backend} backend: without it, cached tokens sit in memcached in the clear for anyone who can reach it. ` +
        'Give a secret of at least 16 characters (the same on every process sharing the servers), or set insecurePlaintext: true to accept that risk',
    );
  }
  const logger = options.logger === undefined ? undefined : requireMethods<StoreLogger>(options.logger, `${where}.logger`, ['warn'], 'a logger with a warn method (a pino logger works)');
  return { insecurePlaintext, logger };
}

function parseMemcachedSettings(options: Record<string, unknown>, where: string): MemcachedSettings {
  if (!Array.isArray(options.servers) || options.servers.length === 0) {
    throw new OptionError(`${where}.servers`, 'must be a non-empty list of "host:port", e.g. ["127.0.0.1:11211"]');
  }
  const servers = options.servers.map((server, i) => {
    const option = `${where}.servers[${i}]`;
    const match = /^([^\s:]+):(\d+)$/.exec(requireString(server, option));
    if (!match) throw new OptionError(option, `must be "host:port", got ${JSON.stringify(server)}`);
    requireInteger(Number(match[2]), `${option} port`, 1, 65535);
    return match[0];
  });
  return {
    servers,
    timeoutMs: requireInteger(withDefault(options.timeoutMs, 500), `${where}.timeoutMs`, 1),
    deadServerRetryMs: requireInteger(withDefault(options.deadServerRetryMs, 5000), `${where}.deadServerRetryMs`, 1),
    poolSize: requireInteger(withDefault(options.poolSize, 10), `${where}.poolSize`, 1),
    idleMs: requireInteger(withDefault(options.idleMs, 30_000), `${where}.idleMs`, 1),
  };
}

function isBackend(value: unknown): value is StoreBackend {
  const candidate = value as Partial<StoreBackend> | undefined;
  return typeof candidate === 'object' && candidate !== null && ['get', 'set', 'add', 'delete', 'close'].every((m) => typeof candidate[m as keyof StoreBackend] === 'function');
}
