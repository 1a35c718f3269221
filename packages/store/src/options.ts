import type { MemcachedSettings } from './memcached-store.js';
import { OptionError, readTunables, rejectUnknownKeys, requireInteger, requireMethods, requireObject, requireOneOf, requireString, withDefault } from '@k2k/common';
import type { SecurityStrategy, StoreBackend, TunableValues } from '@k2k/common';
import { STORE_TUNABLES } from './option-table.js';

/** The tunables (kind, default, bounds, description) of each backend: option-table.ts */
type Tunables = typeof STORE_TUNABLES;

/** Options every backend takes. */
export interface CommonStoreOptions extends Partial<TunableValues<Tunables['all']>> {
  /**
   * Protects cached values (keystonemiddleware's `memcache_secret_key`): with it, values are sealed
   * under keys derived from this secret and the token they belong to. At least 16 characters.
   * Without it, cache keys are still hashes, never tokens, but values are stored in the clear:
   * required for the memcached and tiered backends unless `insecurePlaintext` is set.
   */
  secret?: string;
}

export interface MemoryStoreOptions extends CommonStoreOptions, Partial<TunableValues<Tunables['memory']>> {
  backend?: 'memory';
}

/** Where a store reports what an operator must know (a pino logger fits). */
export interface StoreLogger {
  warn(fields: object, message: string): void;
}

export interface MemcachedStoreOptions extends CommonStoreOptions, Partial<TunableValues<Tunables['memcached'] & Tunables['protection']>> {
  backend: 'memcached';
  /** `host:port` of each memcached server; keys spread over them by consistent hashing. */
  servers: string[];
  /** Receives the `insecurePlaintext` warning; default: a process warning (`K2K_STORE_PLAINTEXT`). */
  logger?: StoreLogger;
}

export interface TieredStoreOptions extends Omit<MemcachedStoreOptions, 'backend'>, Partial<TunableValues<Tunables['tiered']>> {
  backend: 'tiered';
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

const { all, memory, memcached, protection, tiered } = STORE_TUNABLES;
const COMMON_KEYS = ['backend', 'secret', ...Object.keys(all)];
const MEMCACHED_KEYS = [...COMMON_KEYS, 'servers', 'logger', ...Object.keys(memcached), ...Object.keys(protection)];
const KNOWN_KEYS = {
  memory: [...COMMON_KEYS, ...Object.keys(memory)],
  memcached: MEMCACHED_KEYS,
  tiered: [...MEMCACHED_KEYS, ...Object.keys(tiered)],
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
  const common = { secret, ...readTunables(options, all, where) };

  switch (backend) {
    case 'custom':
      return { ...common, backend, custom: options.backend as StoreBackend };
    case 'memory':
      return { ...common, backend, ...readTunables(options, memory, where) };
    case 'memcached':
      return { ...common, backend, ...parseMemcachedSettings(options, where), ...parseProtection(options, backend, secret, where) };
    case 'tiered':
      return {
        ...common,
        backend,
        ...parseMemcachedSettings(options, where),
        ...readTunables(options, tiered, where),
        ...parseProtection(options, backend, secret, where),
      };
  }
}

/** Without a secret, memcached would hold usable tokens in the clear: refuse, unless opted out. */
function parseProtection(options: Record<string, unknown>, backend: string, secret: string | undefined, where: string): SharedStoreProtection {
  const { insecurePlaintext } = readTunables(options, protection, where);
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
  return { servers, ...readTunables(options, memcached, where) };
}

function isBackend(value: unknown): value is StoreBackend {
  const candidate = value as Partial<StoreBackend> | undefined;
  return typeof candidate === 'object' && candidate !== null && ['get', 'set', 'add', 'delete', 'close'].every((m) => typeof candidate[m as keyof StoreBackend] === 'function');
}
