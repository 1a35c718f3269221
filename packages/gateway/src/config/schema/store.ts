/** `store`: where tokens, learned locations, leases and health are kept, one form per backend. */
import { Type } from '@sinclair/typebox';
import { STORE_TUNABLES } from '@k2k/store';
import { flagKey, integerKey } from '../package-tunables.js';
import { closed, list, MAX_MS, MAX_SECONDS, MIN_SECRET_LENGTH, oneOf, text } from './helpers.js';

const { all, memory, memcached, protection, tiered } = STORE_TUNABLES;

const secretKey = text({
  minLength: MIN_SECRET_LENGTH,
  writeOnly: true,
  errorMessage: `must be at least ${MIN_SECRET_LENGTH} characters`,
  description:
    'at least 16 characters, the same on every gateway host sharing the servers: cached tokens are protected with it as keystonemiddleware does it. Required for memcached / tiered, unless `insecure_plaintext`; optional for `memory`',
  'x-default-text': 'required for memcached / tiered',
});
const securityStrategy = oneOf(all.securityStrategy.values, { default: all.securityStrategy.default, description: '`MAC` (HMAC-SHA256) or `ENCRYPT` (AES-256-GCM), used with `secret_key`' });

/** What the memcached and tiered backends share: the servers, their protection and their client's tunables. */
const memcachedKeys = {
  servers: list(text({ pattern: '^[^\\s:]+:\\d+$', errorMessage: 'must be "host:port", e.g. "127.0.0.1:11211"' }), {
    minItems: 1,
    errorMessage: 'must list the memcached servers, e.g. ["127.0.0.1:11211"]',
    description: '`["host:port", ...]`, consistent hashing across them',
    'x-default-text': 'required for memcached / tiered',
  }),
  secret_key: Type.Optional(secretKey),
  security_strategy: securityStrategy,
  insecure_plaintext: flagKey(
    protection,
    'insecurePlaintext',
    'memcached / tiered only: `true` runs without `secret_key`, storing tokens unprotected where anyone who can reach memcached can read and use them; each worker logs a warning at start. Not with `secret_key`',
  ),
  timeout_ms: integerKey(memcached, 'timeoutMs', { maximum: MAX_MS, description: 'memcached / tiered: the deadline of each store operation; a later answer counts as a miss' }),
  dead_server_retry_ms: integerKey(memcached, 'deadServerRetryMs', { maximum: MAX_MS, description: 'memcached / tiered: how long a server that failed (refused, reset, or 3 timeouts in a row) is skipped before it is tried again' }),
  pool_size: integerKey(memcached, 'poolSize', { description: 'memcached / tiered: connections per server, per worker' }),
  idle_ms: integerKey(memcached, 'idleMs', { maximum: MAX_MS, description: 'memcached / tiered: an idle connection is closed after this long' }),
};

export const Store = Type.Union(
  [
    closed({
      backend: Type.Literal('memory', {
        default: 'memory',
        description: '`memory` (one worker), `memcached` or `tiered` (an in-process L1 over memcached)',
      }),
      secret_key: Type.Optional(secretKey),
      security_strategy: securityStrategy,
      max_entries: integerKey(memory, 'maxEntries', { description: 'memory only: entries kept before the least recently used is evicted' }),
    }),
    closed({ backend: Type.Literal('memcached'), ...memcachedKeys }),
    closed({
      backend: Type.Literal('tiered'),
      ...memcachedKeys,
      l1_max_entries: integerKey(tiered, 'l1MaxEntries', { description: 'tiered only: entries the in-process L1 keeps' }),
      l1_ttl_seconds: integerKey(tiered, 'l1TtlSeconds', { maximum: MAX_SECONDS, description: 'tiered only: longest time an entry stays in L1, so a change made by another process is seen here within it' }),
    }),
  ],
  {
    default: { backend: 'memory' },
    errorMessage: 'must be {backend: memory}, or {backend: memcached or tiered, servers: [...], secret_key: ...}',
    description: 'where tokens, learned locations, leases and health are kept: shared by every worker and host on memcached',
  },
);
