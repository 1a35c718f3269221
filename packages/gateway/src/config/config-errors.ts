import { OptionError, rejectUnknownKeys } from '@k2k/common';
import { Kind, type TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/**
 * Throws an OptionError for the first thing wrong with `value` against `schema`, naming the config
 * key (`store.secret_key`, `service_providers[0]`) and what it must be; returns when nothing is. A
 * misspelt key comes first, with the closest known key as a hint (rejectUnknownKeys), since it
 * often explains the rest.
 */
export function checkAgainstSchema(schema: TSchema, value: unknown): void {
  const errors = relevant([...Value.Errors(schema, value)]);
  if (errors.length > 0) explain(first(errors), value);
}

/** A key left out that has a default is not missing: inside a union that failed, its default was not filled in. */
function relevant(errors: ValueError[]): ValueError[] {
  return errors.filter((error) => !(error.value === undefined && error.schema.default !== undefined));
}

function first(errors: ValueError[]): ValueError {
  return errors.find((error) => error.type === ValueErrorType.ObjectAdditionalProperties) ?? errors[0];
}

function explain(error: ValueError, root: unknown): never {
  const key = keyPath(error.path, root);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const parent = parentPointer(error.path);
    rejectUnknownKeys(valueAt(parent, root) as object, Object.keys(error.schema.properties ?? {}), parent === '' ? 'config' : keyPath(parent, root));
  }
  if (error.value === undefined) throw new OptionError(key, `required (${expected(error.schema)})`);
  if (error.type === ValueErrorType.Union && !isEnum(error.schema)) return explainUnion(error, root);
  throw new OptionError(key, `${expected(error.schema)}${error.schema.writeOnly ? '' : `, got ${describe(error.value)}`}`);
}

/**
 * A value none of a union's forms accepts: explained by the form it was meant as, the one whose
 * shape it has (an object, a list...), whose discriminating constant (`backend: memcached`) it does
 * not contradict, and which knows most of its keys (the first such form on a tie); by what the
 * union accepts when it fits no form at all.
 */
function explainUnion(error: ValueError, root: unknown): never {
  const forms = (error.schema.anyOf as TSchema[]).map((schema, i) => ({ schema, errors: relevant([...error.errors[i]]) }));
  const misfits = (errors: ValueError[]) => errors.some((inner) => inner.path === error.path || isContradictedConstant(inner, error.path));
  const candidates = forms.filter((form) => form.errors.length > 0 && !misfits(form.errors));
  if (candidates.length === 0) explainMisfit(error, forms, root);
  const keys = typeof error.value === 'object' && error.value !== null ? Object.keys(error.value) : [];
  const known = (form: Form) => keys.filter((key) => key in (form.schema.properties ?? {})).length;
  const meant = candidates.reduce((best, form) => (known(form) > known(best) ? form : best));
  const wrong = first(meant.errors);
  if (wrong.type === ValueErrorType.ObjectAdditionalProperties && parentPointer(wrong.path) === error.path) explainKeyOfOtherForms(wrong, meant, forms, root);
  return explain(wrong, root);
}

interface Form {
  schema: TSchema;
  errors: ValueError[];
}

/** A key the meant form lacks that other forms have, told apart by a constant: `store.l1_ttl_seconds: only with backend tiered`. Returns otherwise. */
function explainKeyOfOtherForms(unknownKey: ValueError, meant: Form, forms: Form[], root: unknown): void {
  const key = lastSegment(unknownKey.path);
  const others = forms.filter((form) => form !== meant && key in (form.schema.properties ?? {}));
  const discriminator = others.length > 0 ? discriminatorOf(others[0].schema, meant.schema) : undefined;
  if (discriminator === undefined) return;
  const values = others.map((form) => form.schema.properties[discriminator].const as string);
  throw new OptionError(keyPath(unknownKey.path, root), `only with ${discriminator} ${values.join(' or ')}`);
}

/** A value whose shape no form takes: by the discriminator, when it is a constant none has (`backend: redis`); else by what the union accepts. */
function explainMisfit(error: ValueError, forms: Form[], root: unknown): never {
  const constant = forms[0].errors.find((inner) => isContradictedConstant(inner, error.path));
  const key = constant === undefined ? undefined : lastSegment(constant.path);
  if (constant && key !== undefined && forms.every((form) => form.schema.properties?.[key]?.const !== undefined)) {
    const values = forms.map((form) => JSON.stringify(form.schema.properties[key].const));
    throw new OptionError(keyPath(constant.path, root), `must be one of ${values.join(', ')}, got ${describe(constant.value)}`);
  }
  throw new OptionError(keyPath(error.path, root), `${expected(error.schema)}, got ${describe(error.value)}`);
}

/** An error saying a direct child given a value is not the form's constant: the value is meant for another form. */
function isContradictedConstant(error: ValueError, unionPath: string): boolean {
  return error.type === ValueErrorType.Literal && error.value !== undefined && parentPointer(error.path) === unionPath;
}

/** The property whose constant tells `form` from `other`, e.g. `backend`. */
function discriminatorOf(form: TSchema, other: TSchema): string | undefined {
  return Object.keys(form.properties ?? {}).find((key) => form.properties[key].const !== undefined && form.properties[key].const !== other.properties?.[key]?.const);
}

/** What a node must be, in the words of @k2k/common's option checks. */
function expected(schema: TSchema): string {
  if (typeof schema.errorMessage === 'string') return schema.errorMessage;
  switch (schema[Kind]) {
    case 'Integer':
      return `must be an integer ${range(schema)}`;
    case 'Number':
      return `must be a number ${range(schema)}`;
    case 'String':
      return schema.minLength > 1 ? `must be at least ${schema.minLength} characters` : 'must be a non-empty string';
    case 'Boolean':
      return 'must be true or false';
    case 'Literal':
      return `must be ${JSON.stringify(schema.const)}`;
    case 'Union':
      return isEnum(schema)
        ? `must be one of ${(schema.anyOf as TSchema[]).map((literal) => JSON.stringify(literal.const)).join(', ')}`
        : (schema.anyOf as TSchema[]).map(expected).join(', or ');
    case 'Array':
      return schema.minItems > 0 ? 'must be a non-empty list' : 'must be a list';
    default:
      return 'must be an object';
  }
}

function range(schema: TSchema): string {
  return schema.maximum === undefined ? `>= ${schema.minimum}` : `from ${schema.minimum} to ${schema.maximum}`;
}

/** A union of constants: `"MAC" | "ENCRYPT"`. */
function isEnum(schema: TSchema): boolean {
  return schema[Kind] === 'Union' && (schema.anyOf as TSchema[]).every((form) => form[Kind] === 'Literal');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : String(value);
}

/** A JSON pointer's segments, unescaped (`/mounts/~1volume` -> `mounts`, `/volume`). */
function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

function lastSegment(pointer: string): string {
  return segments(pointer).at(-1) as string;
}

function valueAt(pointer: string, root: unknown): unknown {
  return segments(pointer).reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment], root);
}

/** The config key a pointer names, as the operator writes it: `virtual_regions[0].sp`, `mounts./volume`; the whole file is `config`. */
function keyPath(pointer: string, root: unknown): string {
  let node = root;
  let path = '';
  for (const segment of segments(pointer)) {
    path = Array.isArray(node) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`;
    node = (node as Record<string, unknown> | undefined)?.[segment];
  }
  return path === '' ? 'config' : path;
}
