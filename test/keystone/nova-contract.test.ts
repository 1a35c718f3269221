import { defineNovaMicroversionContract } from '@k2k/testing/dist/test/contract/nova-contract.js';
import { KeystoneClient } from '@k2k/keystone';
import { realFederation } from './real-keystone.js';
import { realComputeNetwork } from './stock-cli.js';

/** The contract the simulated Nova passes (packages/testing), against the IdP's real Nova directly, as alice. */
describe('Nova contract, against real Nova', () => {
  let keystone: KeystoneClient | undefined;

  after(async () => {
    await keystone?.close();
  });

  defineNovaMicroversionContract(async () => {
    const env = realFederation();
    keystone = new KeystoneClient({ authUrl: env.idpAuthUrl, timeoutMs: 10_000 });
    const token = await keystone.authenticate(
      { user: { name: env.user, domain: { name: env.userDomain } }, password: env.userPassword },
      { project: { name: env.idpProject, domain: { name: 'Default' } } },
    );
    return { serversUrl: `${realComputeNetwork().idpComputeEndpoint}/servers`, token: token.id };
  });
});
