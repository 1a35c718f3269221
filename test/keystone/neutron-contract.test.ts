// The Neutron contract (packages/testing/src/conformance/neutron-contract.ts) against the IdP cloud's
// REAL neutron-server (the `network` endpoint of its catalog, brought up with the real services):
// the same checks the simulated Neutron passes in packages/testing's tests, as the real user in its
// project. Each check makes and deletes its own uniquely named resources; a check that needs an
// extension the cloud lacks (`router` on a neutron-server without the L3 plugin) is pending.
import { NEUTRON_CONTRACT, neutronExtensions, type NeutronTarget } from '@k2k/testing';
import { realFederation } from './real-keystone.js';
import { realNeutron } from './real-neutron.js';

describe('real Neutron keeps the Neutron contract the simulator is held to', function () {
  this.timeout(120_000);
  let target: NeutronTarget;
  let extensions: Set<string>;

  before(async () => {
    target = await realNeutron(realFederation());
    extensions = await neutronExtensions(target);
  });

  for (const check of NEUTRON_CONTRACT) {
    it(check.name, async function () {
      if (check.needs && !extensions.has(check.needs)) this.skip();
      await check.run(target);
    });
  }
});
