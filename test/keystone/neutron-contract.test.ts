// The Neutron contract (packages/testing/src/conformance/neutron-contract.ts) against the IdP cloud's
// REAL neutron-server (the `network` endpoint of its catalog, brought up with the real services):
// the same checks the simulated Neutron passes in packages/testing's tests, as the real user in its
// project. Each check makes and deletes its own uniquely named resources; a check that needs an
// extension the cloud lacks (`router`, with no L3 plugin) is pending.
import { NEUTRON_CONTRACT, neutronExtensions, type FederationEnv, type NeutronTarget } from '@k2k/testing';
import { realFederation } from './real-keystone.js';

/** The user's token for its project at one cloud's Keystone, and that project's `network` endpoint from the token's catalog. */
async function neutronOf(authUrl: string, env: FederationEnv, project: string, domain: string): Promise<NeutronTarget> {
  const response = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.user, domain: { name: env.userDomain }, password: env.userPassword } } },
        scope: { project: { name: project, domain: { name: domain } } },
      },
    }),
  });
  const token = response.headers.get('x-subject-token');
  if (!token) throw new Error(`cannot log in to ${authUrl} as ${env.user}: HTTP ${response.status}`);
  const body = (await response.json()) as { token: { catalog?: { type: string; endpoints: { interface: string; url: string }[] }[] } };
  const endpoint = body.token.catalog?.find((service) => service.type === 'network')?.endpoints.find((e) => e.interface === 'public')?.url;
  if (!endpoint) throw new Error(`no network service in ${authUrl}'s catalog for ${project}: bring up the real Neutron (test/keystone/README.md)`);
  return { endpoint, token };
}

describe('real Neutron keeps the Neutron contract the simulator is held to', function () {
  this.timeout(120_000);
  let target: NeutronTarget;
  let extensions: Set<string>;

  before(async () => {
    const env = realFederation();
    target = await neutronOf(env.idpAuthUrl, env, env.idpProject, env.userDomain);
    extensions = await neutronExtensions(target);
  });

  for (const check of NEUTRON_CONTRACT) {
    it(check.name, async function () {
      if (check.needs && !extensions.has(check.needs)) this.skip();
      await check.run(target);
    });
  }
});
