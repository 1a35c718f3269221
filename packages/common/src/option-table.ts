import { OptionError, requireBoolean, requireInteger, requireString, withDefault } from './option-checks.js';

/**
 * One tunable of a package's option table: its kind, default, bounds and description, written
 * once. The package's validation, defaults and README table, and the gateway schema's keys for
 * it, all read this entry.
 */
export type Tunable =
  | { kind: 'integer'; default: number; min: number; max?: number; description: string }
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'string'; default: string; description: string }
  | { kind: 'enum'; default: string; values: readonly string[]; description: string; /** What else the option takes, for the error: 'a function' */ orElse?: string };

export type OptionTable = Record<string, Tunable>;

/** The value type of each tunable of `T`, e.g. `{ learnListLimit: number; learn: boolean }`. */
export type TunableValues<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends { kind: 'integer' } ? number : T[K] extends { kind: 'boolean' } ? boolean : T[K] extends { kind: 'enum'; values: readonly (infer V)[] } ? V : string;
};

/** Every tunable of `table` from `options`, checked (naming `where.key`) with the table's default filled in. */
export function readTunables<T extends OptionTable>(options: Record<string, unknown>, table: T, where: string): TunableValues<T> {
  const values: Record<string, unknown> = {};
  for (const [key, tunable] of Object.entries(table)) values[key] = readTunable(withDefault(options[key], tunable.default), tunable, `${where}.${key}`);
  return values as TunableValues<T>;
}

function readTunable(value: unknown, tunable: Tunable, option: string): unknown {
  switch (tunable.kind) {
    case 'integer':
      return requireInteger(value, option, tunable.min, tunable.max);
    case 'boolean':
      return requireBoolean(value, option);
    case 'string':
      return requireString(value, option);
    case 'enum':
      if (typeof value === 'string' && tunable.values.includes(value)) return value;
      throw new OptionError(option, `must be one of ${tunable.values.map((v) => `"${v}"`).join(', ')}${tunable.orElse ? ` or ${tunable.orElse}` : ''}, got ${JSON.stringify(value)}`);
  }
}

/** The default as a README table shows it: numbers bare, strings quoted, booleans in code. */
export function defaultText(tunable: Tunable): string {
  return typeof tunable.default === 'string' ? `\`'${tunable.default}'\`` : typeof tunable.default === 'boolean' ? `\`${tunable.default}\`` : String(tunable.default);
}

/** `learnListLimit` -> `learn_list_limit`: a package option's key in the gateway's config file. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
