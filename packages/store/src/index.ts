export { createStore } from './create-store.js';
// The Store interface type lives in @k2k/common (so that packages below the store can name it); re-exported here, part of this package's API.
export type { AddResult, SealedSlot, SecureCodec, SecurityStrategy, Store, StoreBackend, StoreStats, StoreValue } from '@k2k/common';
export type { CommonStoreOptions, CustomStoreOptions, MemcachedStoreOptions, MemoryStoreOptions, StoreLogger, StoreOptions, TieredStoreOptions } from './options.js';
export { STORE_TUNABLES } from './option-table.js';
export { createSecureCodec } from './secure-codec.js';
export { SealedJsonCache } from './sealed-json-cache.js';
export type { CacheCounts, SealedJsonCacheOptions } from './sealed-json-cache.js';
export { expiryOf, TokenCache } from './token-cache.js';
export type { ExpiringToken, TokenCacheOptions } from './token-cache.js';
export { ResourceMap } from './resource-map.js';
export { normalizeResourceId } from './resource-map.js';
export type { LearnOutcome, ResourceEntry, ResourceKey, ResourceLocation, ResourceMapOptions } from './resource-map.js';
export { SingleFlight } from './single-flight.js';
export type { SingleFlightOptions } from './single-flight.js';
export { storeOption } from './store-option.js';
