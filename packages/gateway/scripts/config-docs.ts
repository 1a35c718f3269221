/**
 * What the config schema (src/config/config-schema.ts) generates for people: the JSON Schema an editor
 * checks a config file with, and the README's "Every key" table. `npm run config-docs -w
 * packages/gateway` writes both (write-config-docs.ts); test/config-schema.test.ts fails when the
 * committed ones differ.
 */
import { Kind, type TSchema } from '@sinclair/typebox';
import { ConfigFileSchema } from '../src/config/config-schema.js';

export const JSON_SCHEMA_FILE = 'schema/gateway-config.schema.json';
export const KEYS_START = '<!-- config-keys:start -->';
export const KEYS_END = '<!-- config-keys:end -->';
export const CONFIG_DOCS_COMMAND = 'npm run config-docs -w packages/gateway';

/** The editor's JSON Schema (draft-07), as the file's text. */
export function jsonSchemaText(): string {
  const document = { $schema: 'http://json-schema.org/draft-07/schema#', ...(forEditors(ConfigFileSchema) as object) };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * The schema as a file is written: a key with a default may be left out, so it is not `required`
 * (the TypeBox schema lists it, describing the config once its defaults are filled in).
 */
function forEditors(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forEditors);
  if (typeof schema !== 'object' || schema === null) return schema;
  const node = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, forEditors(value)])) as Record<string, unknown>;
  const properties = (schema as TSchema).properties as Record<string, TSchema> | undefined;
  if (Array.isArray(node.required) && properties) {
    const required = node.required.filter((key: string) => properties[key].default === undefined);
    if (required.length > 0) node.required = required;
    else delete node.required;
  }
  return node;
}

/** The README with its table of keys (between the markers) generated anew. */
export function readmeWithKeys(readme: string): string {
  const start = readme.indexOf(KEYS_START);
  const end = readme.indexOf(KEYS_END);
  if (start < 0 || end < start) throw new Error(`the README has no ${KEYS_START} ... ${KEYS_END} section`);
  return `${readme.slice(0, start)}${KEYS_START}\n\n${keysTable()}\n${readme.slice(end)}`;
}

/** Every key with a description, in the schema's order: `key | default | meaning`. */
export function keysTable(): string {
  const rows = keyRows().map(({ key, defaultText, meaning }) => `| \`${key}\` | ${defaultText} | ${meaning.replace(/\|/g, '\\|')} |`);
  return ['| key | default | meaning |', '| --- | --- | --- |', ...rows, ''].join('\n');
}

interface KeyRow {
  key: string;
  defaultText: string;
  meaning: string;
}

/**
 * A row for each described node; an object's keys, a list's items (`[]`) and a map's values
 * (`.<sp>`) when they are objects, each form of a union at the union's own key. A shape listed
 * already under another key (`admin_auth`, the keys of `service_auth`) is not listed again: its
 * description says where.
 */
function keyRows(): KeyRow[] {
  const rows = new Map<string, KeyRow>();
  const listed = new Set<string>();
  const visit = (node: TSchema, key: string, required: boolean): void => {
    if (key !== '' && typeof node.description === 'string' && !rows.has(key)) rows.set(key, { key, defaultText: defaultText(node, required), meaning: node.description });
    const shape = JSON.stringify({ ...node, description: undefined, default: undefined, 'x-default-text': undefined });
    if (listed.has(shape)) return;
    switch (node[Kind]) {
      case 'Object':
        listed.add(shape);
        for (const [name, property] of Object.entries(node.properties as Record<string, TSchema>)) {
          visit(property, key === '' ? name : `${key}.${name}`, (node.required ?? []).includes(name));
        }
        return;
      case 'Union':
        listed.add(shape);
        for (const form of node.anyOf as TSchema[]) visit(form, key, required);
        return;
      case 'Array':
        if (hasKeys(node.items)) visit(node.items, `${key}[]`, false);
        return;
      case 'Record': {
        const values = Object.values(node.patternProperties as Record<string, TSchema>)[0];
        if (hasKeys(values)) visit(values, `${key}.<${node['x-key-name'] ?? 'key'}>`, false);
        return;
      }
    }
  };
  visit(ConfigFileSchema, '', true);
  return [...rows.values()];
}

function hasKeys(node: TSchema): boolean {
  return node[Kind] === 'Object' || (node[Kind] === 'Union' && (node.anyOf as TSchema[]).some(hasKeys));
}

function defaultText(node: TSchema, required: boolean): string {
  if (typeof node['x-default-text'] === 'string') return node['x-default-text'];
  if (node.default !== undefined) return isEmptyObject(node.default) ? '' : `\`${flowYaml(node.default)}\``;
  return required ? 'required' : '';
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** A default as it would be written in the config file: `ENCRYPT`, `[service]`, `{backend: memory}`. */
function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([key, item]) => `${key}: ${flowYaml(item)}`).join(', ')}}`;
  return String(value);
}
