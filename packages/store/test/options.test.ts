import { expect } from 'chai';
import { OptionError } from '@k2k/common';
import { createStore, type StoreOptions } from '../src/index.js';

function failure(options: unknown): OptionError {
  try {
    createStore(options as StoreOptions);
  } catch (error) {
    expect(error).to.be.instanceOf(OptionError);
    return error as OptionError;
  }
  throw new Error('createStore accepted the options');
}

describe('createStore options', () => {
  it('defaults to an in-memory store without a secret', async () => {
    const store = createStore();
    expect(store.kind).to.equal('memory');
    expect(store.codec.strategy).to.equal('NONE');
    await store.close();
  });

  it('names the option and suggests the key that was meant', () => {
    const error = failure({ backend: 'memcached', servers: ['127.0.0.1:11211'], timeoutMS: 10 });
    expect(error.option).to.equal('store.timeoutMS');
    expect(error.message).to.include('did you mean "timeoutMs"');
  });

  it('rejects bad values, naming each', () => {
    expect(failure({ backend: 'redis' }).message).to.match(/^store\.backend: must be one of "memory", "memcached", "tiered"/);
    expect(failure({ backend: 'memcached' }).option).to.equal('store.servers');
    expect(failure({ backend: 'memcached', servers: ['localhost'] }).option).to.equal('store.servers[0]');
    expect(failure({ backend: 'memcached', servers: ['localhost:99999'] }).option).to.equal('store.servers[0] port');
    expect(failure({ backend: 'tiered', servers: ['h:1'], l1TtlSeconds: 0 }).option).to.equal('store.l1TtlSeconds');
    expect(failure({ secret: 'short' }).option).to.equal('store.secret');
    expect(failure({ securityStrategy: 'MAC' }).message).to.include('needs a secret');
    expect(failure({ secret: 'sixteen-chars-secret', securityStrategy: 'RSA' }).option).to.equal('store.securityStrategy');
    expect(failure({ maxEntries: 1.5 }).option).to.equal('store.maxEntries');
  });

  it('never echoes a secret in an error', () => {
    const secret = 'this-is-the-secret-value-123';
    expect(failure({ secret, securityStrategy: 'AES' }).message).to.not.include(secret);
  });

  it('accepts a custom backend', async () => {
    const calls: string[] = [];
    const backend = {
      get: async (key: string) => (calls.push(`get ${key}`), undefined),
      set: async () => true,
      add: async () => 'added' as const,
      delete: async () => false,
      close: async () => {},
    };
    const store = createStore({ backend, secret: 'sixteen-chars-secret' });
    expect(store.kind).to.equal('custom');
    expect(store.codec.strategy).to.equal('ENCRYPT');
    await store.get('k');
    expect(calls).to.deep.equal(['get k']);
  });
});
