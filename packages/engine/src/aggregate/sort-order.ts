import { OpenStackError } from '@k2k/common';
import { idSortKey, sortField } from './sort-fields.js';

export type Direction = 'asc' | 'desc';

/** The order of a merged list: the caller's sort keys, then the id, so that it is total. */
export interface SortOrder {
  keys: [string, Direction][];
  /** The item field each key orders by */
  fields: string[];
  /** How the caller wrote it, to write it back to each cloud the same way */
  form: 'sort' | 'sort_key';
}

/** The query parameters that say how a list is sorted. */
export const SORT_PARAMS = ['sort', 'sort_key', 'sort_dir'];
const KEY = /^[A-Za-z_][\w.:-]{0,63}$/;

/**
 * Reads the order a list call asks for, in each service's form: `sort=key:dir[,key2:dir]` (Cinder,
 * Glance) or `sort_key` / `sort_dir`, repeatable (Glance, Nova, Neutron; a single `sort_dir`
 * applies to every key, except at Neutron, which wants them in pairs: 400 otherwise, as it answers).
 * Default: newest first (`created_at` descending), as the services do; Neutron's is the id
 * ascending (it takes no `created_at` sort key). The id ends every order, in the last key's
 * direction, so no two items tie.
 */
export function readSortOrder(params: URLSearchParams, serviceType: string): SortOrder {
  const keys: [string, Direction][] = [];
  const sorted = params.get('sort');
  const sortKeys = params.getAll('sort_key');
  if (sorted !== null && sortKeys.length > 0) throw new OpenStackError(400, 'Send either sort or sort_key / sort_dir, not both.');
  if (sorted !== null) {
    for (const item of sorted.split(',').filter(Boolean)) {
      const [key, dir = 'desc'] = item.split(':');
      keys.push([key, direction(dir)]);
    }
  } else {
    const dirs = params.getAll('sort_dir');
    if (serviceType === 'network' && dirs.length !== sortKeys.length) throw new OpenStackError(400, 'The number of sort_keys and sort_dirs must be same.');
    sortKeys.forEach((key, i) => keys.push([key, direction(dirs[i] ?? dirs[0] ?? 'desc')]));
  }
  for (const [key] of keys) if (!KEY.test(key)) throw new OpenStackError(400, `Invalid sort key: ${JSON.stringify(key)}.`);
  if (keys.length === 0) keys.push(serviceType === 'network' ? ['id', 'asc'] : ['created_at', 'desc']);
  const fields = keys.map(([key]) => sortField(serviceType, key));
  if (!fields.includes('id')) {
    keys.push([idSortKey(serviceType), keys[keys.length - 1][1]]);
    fields.push('id');
  }
  return { keys, fields, form: sorted === null && sortKeys.length > 0 ? 'sort_key' : 'sort' };
}

/** The order as query parameters for a cloud: in the caller's form, except where a service takes only one. */
export function sortParams(order: SortOrder, serviceType: string): [string, string][] {
  // Nova and Neutron know only sort_key / sort_dir; Cinder's sort_key takes one key: give it `sort`.
  const form = serviceType === 'compute' || serviceType === 'network' ? 'sort_key' : serviceType === 'block-storage' ? 'sort' : order.form;
  if (form === 'sort') return [['sort', order.keys.map(([key, dir]) => `${key}:${dir}`).join(',')]];
  return order.keys.flatMap(([key, dir]): [string, string][] => [
    ['sort_key', key],
    ['sort_dir', dir],
  ]);
}

/** The values an item is ordered by. */
export function sortValues(item: Record<string, unknown>, order: SortOrder): unknown[] {
  return order.fields.map((field) => item[field] ?? null);
}

/** Negative when values `a` come first in the order, positive when `b` do. */
export function compareValues(a: readonly unknown[], b: readonly unknown[], order: SortOrder): number {
  for (let i = 0; i < order.keys.length; i++) {
    const result = compareOne(a[i], b[i]);
    if (result !== 0) return order.keys[i][1] === 'asc' ? result : -result;
  }
  return 0;
}

/** The same order read backwards (Neutron's `page_reverse`): every key's direction turned. */
export function reversed(order: SortOrder): SortOrder {
  return { ...order, keys: order.keys.map(([key, dir]): [string, Direction] => [key, dir === 'asc' ? 'desc' : 'asc']) };
}

/** A signature of the order, so a marker made for one order is not used with another. */
export function orderSignature(order: SortOrder): string {
  return order.keys.map(([key, dir]) => `${key}:${dir}`).join(',');
}

function direction(text: string): Direction {
  if (text !== 'asc' && text !== 'desc') throw new OpenStackError(400, `Invalid sort direction: ${JSON.stringify(text)} (asc or desc).`);
  return text;
}

/** Nulls first; numbers as numbers; anything else as text (ISO times compare as text). */
function compareOne(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const y = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
