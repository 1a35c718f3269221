/** The schema's building blocks: the node kinds config files are made of, with their common bounds. */
import { Type, type TProperties, type TSchema } from '@sinclair/typebox';

/** Whole seconds, at most a day: Node's timers overflow past 2^31 ms (about 24.8 days) and then fire at once. */
export const MAX_SECONDS = 86_400;
export const MAX_MS = MAX_SECONDS * 1000;
export const MIN_SECRET_LENGTH = 16;

/** What a node says of itself, beyond its type. */
export interface Doc {
  description?: string;
  errorMessage?: string;
  'x-default-text'?: string;
}

/** An object with these keys and no other. */
export const closed = <T extends TProperties>(properties: T, options: Doc & { title?: string; default?: object; minProperties?: number; maxProperties?: number } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
export const text = (options: Doc & { default?: string; pattern?: string; minLength?: number; writeOnly?: boolean } = {}) => Type.String({ minLength: 1, ...options });
export const seconds = (minimum: number, options: Doc & { default?: number }) => Type.Integer({ minimum, maximum: MAX_SECONDS, ...options });
export const flag = (defaultValue: boolean, description: string) => Type.Boolean({ default: defaultValue, description });
export const oneOf = <const T extends string>(values: readonly T[], options: Doc & { default?: T }) =>
  Type.Enum(Object.fromEntries(values.map((value) => [value, value])) as { [V in T]: V }, options);
export const list = <T extends TSchema>(items: T, options: Doc & { default?: unknown[]; minItems?: number; maxItems?: number } = {}) => Type.Array(items, options);
/** A map from any key (a service type, an SP id...) to `values`. */
export const map = <T extends TSchema>(values: T, options: Doc & { default?: object; minProperties?: number; 'x-key-name'?: string } = {}) =>
  Type.Record(Type.String(), values, options);

const INTERFACES = ['public', 'internal', 'admin', 'publicURL', 'internalURL', 'adminURL'] as const;
export const endpointInterface = (options: Doc & { default?: (typeof INTERFACES)[number] }) =>
  oneOf(INTERFACES, { errorMessage: 'must be public, internal or admin', ...options });
