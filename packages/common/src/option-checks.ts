/**
 * Option validation shared by the k2k packages: factories check their options once, at
 * construction, and throw an OptionError naming the option (with a "did you mean" hint for a
 * misspelled key), so a bad configuration fails at start-up rather than at the first request.
 */
export class OptionError extends TypeError {
  /** The option path, e.g. `store.servers[1]` */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.name = 'OptionError';
    this.option = option;
  }
}

/** Throws for a key of `options` that is not in `known`, suggesting the closest known key. */
export function rejectUnknownKeys(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    throw new OptionError(`${where}.${key}`, `unknown option${hint ? `; did you mean "${hint}"?` : ''} (known: ${known.join(', ')})`);
  }
}

export function requireObject(value: unknown, option: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(option, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export function requireString(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new OptionError(option, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

/** A list of non-empty strings, each item named by its index when it is not one. */
export function requireStringList(value: unknown, option: string): string[] {
  if (!Array.isArray(value)) throw new OptionError(option, `must be a list of strings, got ${describe(value)}`);
  return value.map((item, i) => requireString(item, `${option}[${i}]`));
}

export function requireInteger(value: unknown, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new OptionError(option, `must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

export function requireOneOf<T extends string>(value: unknown, option: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new OptionError(option, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

export function requireBoolean(value: unknown, option: string): boolean {
  if (typeof value !== 'boolean') throw new OptionError(option, `must be true or false, got ${describe(value)}`);
  return value;
}

/** An object with every one of `methods`, e.g. a store or a logger handed in as an option. */
export function requireMethods<T>(value: unknown, option: string, methods: readonly string[], what: string): T {
  const candidate = value as Record<string, unknown> | null | undefined;
  if (typeof candidate !== 'object' || candidate === null || !methods.every((method) => typeof candidate[method] === 'function')) {
    throw new OptionError(option, `must be ${what}`);
  }
  return value as T;
}

/** The value or, when it is undefined, the default. */
export function withDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}

/** The known key within edit distance 2 of `key` (case-insensitive), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
