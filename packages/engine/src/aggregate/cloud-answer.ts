// Reading what one cloud answered a list or a show.

import type { ListShape } from './list-shape.js';

type Item = Record<string, unknown>;

/** The top-level keys of a cloud's answer other than the items and their links (Glance's `schema`; its `first` is the merged list's own). */
export function extraKeys(body: Item, shape: ListShape): Item {
  const extra: Item = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === shape.itemsKey || key.endsWith('_links') || key === 'next' || key === 'first') continue;
    extra[key] = value;
  }
  return extra;
}

export function parseItem(answer: { status: number; body: Buffer }, resourceType: string, serviceType: string): Item | undefined {
  if (answer.status < 200 || answer.status >= 300) return undefined;
  const body = parseJson(answer.body);
  const wrapped = body?.[resourceType.replace(/-/g, '_').replace(/s$/, '')];
  if (typeof wrapped === 'object' && wrapped !== null) return wrapped as Item;
  return serviceType === 'image' ? body : undefined;
}

export function parseJson(bytes: Buffer): Item | undefined {
  try {
    const value = JSON.parse(bytes.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Item) : undefined;
  } catch {
    return undefined;
  }
}

export function pick(item: Item, fields: readonly string[]): Item {
  return Object.fromEntries(fields.filter((field) => field in item).map((field) => [field, item[field]]));
}

/** The message of a cloud's error answer in any OpenStack shape (`{"<kind>": {"message"}}`: Cinder's, Nova's, Neutron's `NeutronError`), else its status. */
export function errorMessage(answer: { status: number; body: Buffer }): string {
  const body = parseJson(answer.body);
  const inner = body && Object.values(body)[0];
  return typeof inner === 'object' && inner !== null && typeof (inner as Item).message === 'string' ? String((inner as Item).message) : `HTTP ${answer.status}`;
}
