import { defineKeystoneContract } from '@k2k/keystone/dist/test/contract/keystone-contract.js';
import { realExpiredToken, realFederation } from './real-keystone.js';

describe('Keystone contract, against real Keystone', () => {
  defineKeystoneContract(realFederation, { expiredToken: realExpiredToken });
});
