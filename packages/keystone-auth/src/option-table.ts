import type { OptionTable } from '@k2k/common';

/**
 * keystoneAuth's tunables, each written once: options.ts reads them (checks, defaults), a test
 * holds the README's option table to them, and the gateway's config schema takes its keys for them
 * (snake_case) from here. Options with no fixed default (credentials, a store, required roles...) are in
 * options.ts.
 */
export const AUTH_TUNABLES = {
  // At most a day: memcached reads a TTL past 30 days as a date.
  cacheTtlSeconds: {
    kind: 'integer',
    default: 300,
    min: 0,
    max: 86_400,
    description: "longest a token validation is cached in the store, shared by every worker and host on it (keystonemiddleware's `token_cache_time`); 0 turns the cache off: every request asks Keystone; at most a day",
  },
  negativeCacheTtlSeconds: {
    kind: 'integer',
    default: 10,
    min: 0,
    max: 86_400,
    description: 'how long a token Keystone refused (unknown, expired, revoked) is remembered as invalid (0: not at all; at most a day)',
  },
  delayAuthDecision: { kind: 'boolean', default: false, description: 'pass unauthenticated requests on instead of 401' },
  includeServiceCatalog: { kind: 'boolean', default: true, description: 'validate with the catalog and set `X-Service-Catalog`' },
  identityHeaders: {
    kind: 'boolean',
    default: true,
    description:
      "set the identity headers above for the routes after it; `false` sets only `req.keystone`, for an app whose routes read nothing else (the gateway: its upstreams validate tokens themselves, and k2kForward never forwards these headers). Spoofed identity headers are removed either way",
  },
  serviceTokenRoles: { kind: 'list', default: ['service'], description: 'an `X-Service-Token` counts only with one of these roles' },
  timeoutMs: { kind: 'integer', default: 5000, min: 1, description: 'time allowed for each Keystone call' },
} as const satisfies OptionTable;
