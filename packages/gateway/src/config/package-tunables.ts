import { Type } from '@sinclair/typebox';
import { snakeCase, type OptionTable, type Tunable, type TunableValues } from '@k2k/common';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';
import { AUTH_TUNABLES } from '@k2k/keystone-auth';
import { seconds } from './schema/helpers.js';

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
export const AUTH_KEYS = { keystone: ['cacheTtlSeconds', 'negativeCacheTtlSeconds', 'serviceTokenRoles'] } as const satisfies Keys<typeof AUTH_TUNABLES>;

export type ForwardTunables = Pick<TunableValues<typeof FORWARD_TUNABLES>, Listed<typeof FORWARD_KEYS>>;
export type AuthTunables = Pick<TunableValues<typeof AUTH_TUNABLES>, Listed<typeof AUTH_KEYS>>;

/**
 * The schema of an integer tunable, from its package's table: its bounds and default. The file may
 * say it in its own words (`own.description`: the store's keys name their backends) and bound it
 * further (`own.maximum`: Node's timers).
 */
export function integerKey<T extends OptionTable>(table: T, name: NameOf<T, 'integer'>, own: { description?: string; maximum?: number } = {}) {
  const tunable = table[name] as Extract<Tunable, { kind: 'integer' }>;
  const maximum = own.maximum ?? tunable.max;
  return Type.Integer({ minimum: tunable.min, ...(maximum !== undefined && { maximum }), default: tunable.default, description: own.description ?? tunable.description });
}

/** The schema of an integer tunable in milliseconds that the file gives in whole seconds (`upstream.timeout_seconds`), its default from its package's table. */
export function secondsKey<T extends OptionTable>(table: T, name: NameOf<T, 'integer'>, description: string) {
  return seconds(1, { default: (table[name] as Extract<Tunable, { kind: 'integer' }>).default / 1000, description });
}

/**
 * The schema of an integer tunable its package bounds by another (the table's `atMost`), that
 * other's key in the file being `boundKey`: no default of its own in the file, since the package
 * lowers the table's to the other's value.
 */
export function boundedKey<T extends OptionTable>(table: T, name: NameOf<T, 'integer'>, boundKey: string, description: string) {
  const tunable = table[name] as Extract<Tunable, { kind: 'integer' }>;
  return Type.Optional(Type.Integer({ minimum: tunable.min, description, 'x-default-text': `\`${tunable.default}\`, or \`${boundKey}\` when shorter` }));
}

/** The schema of a boolean tunable, from its package's table, in the file's own words when given. */
export function flagKey<T extends OptionTable>(table: T, name: NameOf<T, 'boolean'>, description?: string) {
  const tunable = table[name] as Extract<Tunable, { kind: 'boolean' }>;
  return Type.Boolean({ default: tunable.default, description: description ?? tunable.description });
}

/** The schema of a list tunable, from its package's table; the file lists at least one. */
export function listKey<T extends OptionTable>(table: T, name: NameOf<T, 'list'>) {
  const tunable = table[name] as Extract<Tunable, { kind: 'list' }>;
  return Type.Array(Type.String({ minLength: 1 }), { description: tunable.description, minItems: 1, default: [...tunable.default] });
}

/** The values of `keys` in the config file (defaults filled in), by the package's option names. */
export function tunablesOf<K extends Keys<OptionTable>>(file: Record<keyof K, object>, keys: K): Record<Listed<K>, unknown> {
  const entries = Object.entries(keys).flatMap(([section, names]) => names.map((name) => [name, (file[section] as Record<string, unknown>)[snakeCase(name)]]));
  return Object.fromEntries(entries) as Record<Listed<K>, unknown>;
}
