import { expect } from 'chai';
import { NEUTRON_CONTRACT, neutronExtensions, NetworkService, startFederation, type Federation, type NeutronTarget } from '../src/index.js';
import { aliceToken, http } from './helpers.js';

describe('NetworkService (fake Neutron)', () => {
  let federation: Federation;
  let network: NetworkService;
  let target: NeutronTarget;
  let extensions: Set<string>;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    network = await NetworkService.startIn(federation.idp, federation.env.region);
    target = { endpoint: network.publicUrl, token: aliceToken(federation) };
    extensions = await neutronExtensions(target);
  });

  after(async () => {
    await network.stop();
    await federation.close();
  });

  it("is listed in its cloud's catalog as network, at Neutron's unversioned endpoint", () => {
    const service = federation.idp.catalog.services.find((s) => s.type === 'network');
    expect(service?.endpoints.map((e) => [e.interface, e.url])).to.deep.equal([
      ['public', network.publicUrl],
      ['internal', network.internalUrl],
    ]);
  });

  it("shows a project its own resources and the shared and external networks, never another project's", async () => {
    const mine = network.seed('networks', federation.env.idpProjectId, { name: 'mine' });
    const shared = network.seed('networks', 'someone-else', { name: 'shared', shared: true });
    const hidden = network.seed('networks', 'someone-else', { name: 'hidden' });
    const names = ((await http(`${network.publicUrl}/v2.0/networks?sort_key=name&sort_dir=asc`, { headers: { 'x-auth-token': target.token } })).json() as { networks: { name: string }[] }).networks.map((n) => n.name);
    expect(names).to.include.members(['mine', 'shared']).and.not.include('hidden');
    expect((await http(`${network.publicUrl}/v2.0/networks/${hidden.id}`, { headers: { 'x-auth-token': target.token } })).status).to.equal(404);
    expect((await http(`${network.publicUrl}/v2.0/networks/${shared.id}`, { method: 'DELETE', headers: { 'x-auth-token': target.token } })).status).to.equal(404);
    for (const item of [mine, shared, hidden]) network.collection('networks').delete(item.id);
  });

  describe('the Neutron contract (the same checks as test/keystone/neutron-contract.test.ts runs on real Neutron)', () => {
    for (const check of NEUTRON_CONTRACT) {
      it(check.name, async function () {
        if (check.needs && !extensions.has(check.needs)) this.skip();
        await check.run(target);
      });
    }
  });
});
