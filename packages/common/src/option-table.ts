import { OptionError, requireBoolean, requireInteger, requireString, requireStringList, withDefault } from './option-checks.js';

/**
 * One tunable of a package's option table: its kind, default, bounds and description, written
 * once. The package's validation, defaults and README table, and the gateway schema's keys for
 * it, all read this entry.
 */
export type Tunable =
  | {
      kind: 'integer';
      default: number;
      min: number;
      max?: number;
      /** Instead of `max`: another integer tunable of the table this one may not exceed; the default is lowered to its value */
      atMost?: string;
      description: string;
    }
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'string'; default: string; description: string }
  | { kind: 'list'; default: readonly string[]; description: string }
  | { kind: 'enum'; default: string; values: readonly string[]; description: string; /** What else the option takes, for the error: 'a function' */ orElse?: string };

export type OptionTable = Record<string, Tunable>;

/** The value type of each tunable of `T`, e.g. `{ learnListLimit: number; learn: boolean }`. */
export type TunableValues<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends { kind: 'integer' }
    ? number
    : T[K] extends { kind: 'boolean' }
      ? boolean
      : T[K] extends { kind: 'list' }
        ? string[]
        : T[K] extends { kind: 'enum'; values: readonly (infer V)[] }
          ? V
          : string;
};

/** Every tunable of `table` from `options`, checked (naming `where.key`) with the table's default filled in. */
export function readTunables<T extends OptionTable>(options: Record<string, unknown>, table: T, where: string): TunableValues<T> {
  const values: Record<string, unknown> = {};
  const bounded = (tunable: Tunable) => tunable.kind === 'integer' && tunable.atMost !== undefined;
  // A tunable bounded by another is read once that other is.
  for (const [key, tunable] of Object.entries(table)) if (!bounded(tunable)) values[key] = readTunable(options[key], tunable, `${where}.${key}`);
  for (const [key, tunable] of Object.entries(table)) if (bounded(tunable)) values[key] = readTunable(options[key], tunable, `${where}.${key}`, values);
  return values as TunableValues<T>;
}

function readTunable(given: unknown, tunable: Tunable, option: string, values: Record<string, unknown> = {}): unknown {
  if (tunable.kind === 'integer' && tunable.atMost !== undefined) {
    const max = values[tunable.atMost] as number;
    return requireInteger(withDefault(given, Math.min(tunable.default, max)), option, tunable.min, max);
  }
  const value = withDefault(given, tunable.default);
  switch (tunable.kind) {
    case 'integer':
      return requireInteger(value, option, tunable.min, tunable.max);
    case 'boolean':
      return requireBoolean(value, option);
    case 'string':
      return requireString(value, option);
    case 'list':
      return requireStringList(value, option);
    case 'enum':
      if (typeof value === 'string' && tunable.values.includes(value)) return value;
      throw new OptionError(option, `must be one of ${tunable.values.map((v) => `"${v}"`).join(', ')}${tunable.orElse ? ` or ${tunable.orElse}` : ''}, got ${JSON.stringify(value)}`);
  }
}

/** The default as a README table shows it: numbers bare, strings and lists quoted, booleans in code; a bounded default says so. */
export function defaultText(tunable: Tunable): string {
  switch (tunable.kind) {
    case 'integer':
      return tunable.atMost === undefined ? String(tunable.default) : `${tunable.default} (or \`${tunable.atMost}\` if lower)`;
    case 'boolean':
      return `\`${tunable.default}\``;
    case 'list':
      return `\`[${tunable.default.map((item) => `'${item}'`).join(', ')}]\``;
    default:
      return `\`'${tunable.default}'\``;
  }
}

/** `learnListLimit` -> `learn_list_limit`: a package option's key in the gateway's config file. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
