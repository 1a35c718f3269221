import { Type } from '@sinclair/typebox';
import { snakeCase, type TunableValues } from '@k2k/common';
import { FORWARD_TUNABLES } from '@k2k/k2k-forward';

type Table = typeof FORWARD_TUNABLES;
type NameOf<Kind extends string> = { [K in keyof Table]: Table[K] extends { kind: Kind } ? K : never }[keyof Table];

/**
 * The k2kForward tunables the config file carries under their own name in snake_case
 * (`routing.learn_list_limit` is `learnListLimit`), by section: their bounds, defaults and
 * descriptions are k2kForward's table's, and they reach k2kForward as they are.
 */
export const FORWARD_KEYS = {
  upstream: ['tokenSafetyMarginSeconds', 'jsonBodyLimitBytes'],
  routing: ['learn', 'learnListLimit', 'locationTtlSeconds', 'absentTtlSeconds', 'maxSearchesPerCaller', 'pageLimit', 'listBodyLimitBytes'],
} as const satisfies Record<string, readonly (keyof Table)[]>;

export type ForwardTunables = Pick<TunableValues<Table>, (typeof FORWARD_KEYS)[keyof typeof FORWARD_KEYS][number]>;

/** The schema of an integer tunable of k2kForward's, from its table. */
export function forwardInteger(name: NameOf<'integer'>) {
  const tunable: Table[NameOf<'integer'>] = FORWARD_TUNABLES[name];
  return Type.Integer({ minimum: tunable.min, ...('max' in tunable && { maximum: tunable.max }), default: tunable.default, description: tunable.description });
}

/** The schema of a boolean tunable of k2kForward's, from its table. */
export function forwardFlag(name: NameOf<'boolean'>) {
  const tunable = FORWARD_TUNABLES[name];
  return Type.Boolean({ default: tunable.default, description: tunable.description });
}

/** FORWARD_KEYS' values in the config file (defaults filled in), as k2kForward's options. */
export function forwardTunablesOf(file: Record<keyof typeof FORWARD_KEYS, object>): ForwardTunables {
  const entries = Object.entries(FORWARD_KEYS).flatMap(([section, names]) =>
    names.map((name) => [name, (file[section as keyof typeof FORWARD_KEYS] as Record<string, unknown>)[snakeCase(name)]]),
  );
  return Object.fromEntries(entries) as ForwardTunables;
}
