import type { OptionTable } from '@k2k/common';

/**
 * createStore's tunables, each written once, by the backends that take them: options.ts reads
 * them (checks, defaults), a test holds the README's option table to them, and the gateway's config
 * schema takes its `store` keys for them (snake_case) from here.
 */
export const STORE_TUNABLES = {
  all: {
    securityStrategy: { kind: 'enum', default: 'ENCRYPT', values: ['MAC', 'ENCRYPT'], description: "`'MAC'` or `'ENCRYPT'`; needs `secret`" },
  },
  memory: {
    maxEntries: { kind: 'integer', default: 10_000, min: 1, description: 'entries kept before the least recently used is evicted' },
  },
  memcached: {
    timeoutMs: { kind: 'integer', default: 500, min: 1, description: 'deadline of each operation; later is a miss' },
    deadServerRetryMs: {
      kind: 'integer',
      default: 5000,
      min: 1,
      description: 'a server that failed (refused, reset, or 3 timeouts in a row) is skipped this long, then tried again',
    },
    poolSize: { kind: 'integer', default: 10, min: 1, description: 'connections per server' },
    idleMs: { kind: 'integer', default: 30_000, min: 1, description: 'an idle connection is closed after this long' },
  },
  /** memcached and tiered: the opt-out of sealing values, read with the secret */
  protection: {
    insecurePlaintext: {
      kind: 'boolean',
      default: false,
      description: '`true`: run without `secret`, values stored unprotected (see below); refused together with `secret`',
    },
  },
  tiered: {
    l1MaxEntries: { kind: 'integer', default: 1000, min: 1, description: 'entries in the in-process L1' },
    l1TtlSeconds: { kind: 'integer', default: 5, min: 1, description: 'longest time an entry stays in L1' },
  },
} as const satisfies Record<string, OptionTable>;
