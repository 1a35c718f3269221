import type { FederationEnv, NeutronTarget } from '@k2k/testing';

/**
 * The real user's token for its project at the IdP's real Keystone, and the `network` endpoint of
 * that project's catalog in the cloud's region (the real neutron-server brought up with the real services); fails
 * clearly when the catalog has none.
 */
export async function realNeutron(env: FederationEnv): Promise<NeutronTarget> {
  const response = await fetch(`${env.idpAuthUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.user, domain: { name: env.userDomain }, password: env.userPassword } } },
        scope: { project: { name: env.idpProject, domain: { name: env.userDomain } } },
      },
    }),
  });
  const token = response.headers.get('x-subject-token');
  if (!token) throw new Error(`cannot log in to ${env.idpAuthUrl} as ${env.user}: HTTP ${response.status}`);
  const body = (await response.json()) as { token: { catalog?: { type: string; endpoints: { interface: string; region_id: string; url: string }[] }[] } };
  // The cloud's own region: a gateway registered in the catalog (`k2k-gateway catalog register`) lists its mounts under regions of its own.
  const endpoint = body.token.catalog?.find((service) => service.type === 'network')?.endpoints.find((e) => e.interface === 'public' && e.region_id === env.region)?.url;
  if (!endpoint) throw new Error(`no network service in ${env.idpAuthUrl}'s catalog for ${env.idpProject}: bring up the real Neutron (test/keystone/README.md)`);
  return { endpoint, token };
}
