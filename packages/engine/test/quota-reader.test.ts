import { expect } from 'chai';
import type { KeystoneIdentity, ServiceProvider } from '@k2k/common';
import { QuotaReader, type Asker } from '../src/place/quota-reader.js';

/** The quota reader alone, with stand-ins for the K2K exchange and the read. */
describe('QuotaReader', () => {
  const serviceProvider: ServiceProvider = { id: 'sp1', authUrl: 'http://sp1.invalid/v3', spUrl: 'http://sp1.invalid/Shibboleth.sso/SAML2/ECP' };
  const asker: Asker = { identity: { project: { id: 'p1', name: 'demo' } } as KeystoneIdentity, userToken: 'token', requestId: 'req-1' };

  it('gives up within its timeout when the K2K exchange hangs: the quota there is not known', async function () {
    // Without the deadline around the exchange, the read would wait for it: the test's own timeout fails it.
    this.timeout(5000);
    let reads = 0;
    const reader = new QuotaReader(
      ['volumes'],
      {
        session: () => new Promise(() => undefined),
        address: () => undefined,
        read: async () => {
          reads++;
          return { status: 200, body: Buffer.from('{}') };
        },
      },
      50,
    );
    expect(await reader.read(asker, serviceProvider)).to.equal(undefined);
    expect(reads).to.equal(0);
  });
});
