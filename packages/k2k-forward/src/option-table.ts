import type { OptionTable } from '@k2k/common';
import { ENGINE_TUNABLES } from '@k2k/engine';

/**
 * k2kForward's tunables, each written once: options.ts reads them (checks, defaults), a test holds
 * the README's option table to them, and the gateway's config schema takes its keys for them
 * (snake_case) from here. The engine's own (all but `local`) are written in @k2k/engine, shared with
 * k2kClient. Options with no fixed default (a store, a pin, a policy...) are in
 * options.ts.
 */
export const FORWARD_TUNABLES = {
  local: {
    kind: 'string',
    default: 'next',
    description:
      "`'next'` (fall through to the next middleware) or the local service's URL, e.g. `http://127.0.0.1:8776/v3/%(project_id)s`: its path before the version is the local prefix",
  },
  ...ENGINE_TUNABLES,
} as const satisfies OptionTable;
