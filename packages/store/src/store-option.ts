import { createStore } from './create-store.js';
import { OptionError, requireMethods } from '@k2k/common';
import type { Store } from '@k2k/common';

/** A middleware's `store` option: a Store from createStore(), or a fresh in-memory one when absent. */
export function storeOption(value: unknown, option: string): Store {
  if (value === undefined) return createStore();
  const store = requireMethods<Store>(value, option, ['get', 'set', 'add', 'delete', 'close', 'stats'], 'a store made by createStore() from @k2k/store');
  if (typeof store.codec?.slot !== 'function') throw new OptionError(option, 'must be a store made by createStore() from @k2k/store');
  return store;
}
