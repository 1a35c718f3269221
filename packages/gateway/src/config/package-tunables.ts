import { Type } from '@sinclair/typebox';
import { snakeCase, type OptionTable, type Tunable, type TunableValues } from '@k2k/common';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';
import { AUTH_TUNABLES } from '@k2k/keystone-auth';

type NameOf<T extends OptionTable, Kind extends Tunable['kind']> = { [K in keyof T]: T[K] extends { kind: Kind } ? K : never }[keyof T] & string;
/** The tunables of a package the config file carries, by section */
type Keys<T extends OptionTable> = Record<string, readonly (keyof T & string)[]>;
type Listed<K extends Keys<OptionTable>> = K[keyof K][number];

/**
 * The packages' tunables the config file carries under their own name in snake_case
 * (`routing.learn_list_limit` is k2kForward's `learnListLimit`), by section: their bounds, defaults
 * and descriptions are the package's option table's, and they reach the package as they are.
 */
export const FORWARD_KEYS = {
  upstream: ['tokenSafetyMarginSeconds', 'jsonBodyLimitBytes'],
  routing: ['learn', 'learnListLimit', 'locationTtlSeconds', 'absentTtlSeconds', 'maxSearchesPerCaller', 'pageLimit', 'listBodyLimitBytes'],
} as const satisfies Keys<typeof FORWARD_TUNABLES>;
export const AUTH_KEYS = { keystone: ['cacheTtlSeconds', 'negativeCacheTtlSeconds'] } as const satisfies Keys<typeof AUTH_TUNABLES>;

export type ForwardTunables = Pick<TunableValues<typeof FORWARD_TUNABLES>, Listed<typeof FORWARD_KEYS>>;
export type AuthTunables = Pick<TunableValues<typeof AUTH_TUNABLES>, Listed<typeof AUTH_KEYS>>;

/** The schema of an integer tunable, from its package's table. */
export function integerKey<T extends OptionTable>(table: T, name: NameOf<T, 'integer'>) {
  const tunable = table[name] as Extract<Tunable, { kind: 'integer' }>;
  return Type.Integer({ minimum: tunable.min, ...(tunable.max !== undefined && { maximum: tunable.max }), default: tunable.default, description: tunable.description });
}

/** The schema of a boolean tunable, from its package's table. */
export function flagKey<T extends OptionTable>(table: T, name: NameOf<T, 'boolean'>) {
  const tunable = table[name] as Extract<Tunable, { kind: 'boolean' }>;
  return Type.Boolean({ default: tunable.default, description: tunable.description });
}

/** The values of `keys` in the config file (defaults filled in), by the package's option names. */
export function tunablesOf<K extends Keys<OptionTable>>(file: Record<keyof K, object>, keys: K): Record<Listed<K>, unknown> {
  const entries = Object.entries(keys).flatMap(([section, names]) => names.map((name) => [name, (file[section] as Record<string, unknown>)[snakeCase(name)]]));
  return Object.fromEntries(entries) as Record<Listed<K>, unknown>;
}
