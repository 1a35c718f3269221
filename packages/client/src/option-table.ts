import type { OptionTable } from '@k2k/common';
import { ENGINE_TUNABLES } from '@k2k/engine';

/**
 * k2kClient's tunables, each written once: the engine's (the same as k2kForward's, so a setting
 * means the same in a service's client and in a gateway) and the client's own. options.ts reads
 * them; a test holds the README's option table to them.
 */
export const CLIENT_TUNABLES = {
  ...ENGINE_TUNABLES,
  identityCacheTtlSeconds: {
    kind: 'integer',
    default: 300,
    min: 0,
    max: 86_400,
    description: "longest a caller's token validation is kept in the store (never past the token's expiry), shared by every process on it; 0: every session asks Keystone",
  },
} as const satisfies OptionTable;
