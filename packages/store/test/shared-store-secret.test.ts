import { expect } from 'chai';
import { OptionError } from '@k2k/common';
import { createStore, type StoreOptions } from '../src/index.js';

const SERVERS = ['127.0.0.1:11211']; // never contacted: these stores are closed unused

function failure(options: unknown): OptionError {
  try {
    createStore(options as StoreOptions);
  } catch (error) {
    expect(error).to.be.instanceOf(OptionError);
    return error as OptionError;
  }
  throw new Error('createStore accepted the options');
}

/** The process warnings emitted while `run` runs (process.emitWarning delivers them on the next tick). */
async function processWarnings(run: () => Promise<void>): Promise<Error[]> {
  const warnings: Error[] = [];
  const listener = (warning: Error) => warnings.push(warning);
  process.on('warning', listener);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return warnings;
}

describe('a shared store and its secret', () => {
  for (const backend of ['memcached', 'tiered'] as const) {
    it(`${backend}: refuses to start without a secret, naming the option and the opt-out`, () => {
      const error = failure({ backend, servers: SERVERS });
      expect(error.option).to.equal('store.secret');
      expect(error.message).to.include(`required for the ${backend} backend`);
      expect(error.message).to.include('insecurePlaintext: true');
    });

    it(`${backend}: accepts an explicit opt-out and warns once, through the logger`, async () => {
      const warned: { fields: object; message: string }[] = [];
      const logger = { warn: (fields: object, message: string) => warned.push({ fields, message }) };
      const warnings = await processWarnings(async () => {
        const store = createStore({ backend, servers: SERVERS, insecurePlaintext: true, logger });
        expect(store.codec.strategy).to.equal('NONE');
        await store.close();
      });
      expect(warned).to.have.length(1);
      expect(warned[0].message).to.match(/unprotected/);
      expect(warned[0].fields).to.deep.equal({ backend });
      expect(warnings).to.deep.equal([]);
    });
  }

  it('warns as a process warning when no logger is given', async () => {
    const warnings = await processWarnings(async () => {
      await createStore({ backend: 'memcached', servers: SERVERS, insecurePlaintext: true }).close();
    });
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).to.deep.equal(['K2K_STORE_PLAINTEXT']);
    expect(warnings[0].message).to.include('insecurePlaintext');
  });

  it('stays quiet with a secret', async () => {
    const warnings = await processWarnings(async () => {
      await createStore({ backend: 'memcached', servers: SERVERS, secret: 'sixteen-chars-secret' }).close();
    });
    expect(warnings).to.deep.equal([]);
  });

  it('refuses contradictions and bad values, naming each', () => {
    expect(failure({ backend: 'memcached', servers: SERVERS, secret: 'sixteen-chars-secret', insecurePlaintext: true }).message).to.match(/^store\.insecurePlaintext: .*secret/);
    expect(failure({ backend: 'memcached', servers: SERVERS, insecurePlaintext: 'yes' }).option).to.equal('store.insecurePlaintext');
    expect(failure({ backend: 'memcached', servers: SERVERS, insecurePlaintext: false }).option).to.equal('store.secret');
    expect(failure({ backend: 'memcached', servers: SERVERS, insecurePlaintext: true, logger: console.log }).option).to.equal('store.logger');
  });

  it('needs no secret for the in-process memory store', async () => {
    await createStore({ backend: 'memory' }).close();
  });
});
