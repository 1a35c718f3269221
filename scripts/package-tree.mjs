// The package tree (DESIGN.md "Layout"), the one table of which package may import which: common at
// the bottom; store and keystone on it; the engine on those; keystone-auth, k2k-forward and the
// client (the engine's outgoing face) on top, never importing each other; the gateway, the
// deployable product, on the faces. @k2k/testing is a dev helper: no package's src may import it,
// only tests and samples. eslint.config.mjs turns this table into a no-restricted-imports block per
// package; test/shape/package-shape.test.ts checks it against the packages on disk.

/** For each folder under packages/, the @k2k packages its src may import. */
export const allowedImports = {
  common: [],
  store: ['common'],
  keystone: ['common'],
  engine: ['common', 'store', 'keystone'],
  'keystone-auth': ['common', 'store', 'keystone', 'engine'],
  'k2k-forward': ['common', 'store', 'keystone', 'engine'],
  client: ['common', 'store', 'keystone', 'engine'],
  gateway: ['common', 'store', 'keystone', 'engine', 'keystone-auth', 'k2k-forward'],
  testing: [],
};

/** The packages whose src has no Express: the contract, the store, the protocol client, the engine and its outgoing face. */
export const withoutExpress = ['common', 'store', 'keystone', 'engine', 'client'];
