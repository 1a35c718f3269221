import { startFederation, type Federation } from '@k2k/testing';
import { defineKeystoneContract } from './contract/keystone-contract.js';

describe('Keystone contract, against the simulator', () => {
  let federation: Federation;

  before(async () => {
    federation = await startFederation();
  });

  after(() => federation.close());

  defineKeystoneContract(() => federation.env, {
    expiredToken: async () => {
      const token = federation.idp.issueToken(federation.env.user, federation.env.idpProject);
      federation.idp.expireToken(token);
      return token;
    },
  });
});
