import { expect } from 'chai';
import request from 'supertest';
import { NetworkService, startFederation, type Federation } from '@k2k/testing';
import { createGateway, type Gateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { configFor } from './fixtures.js';

const HOST = 'gw.example.com:5001';

/** DESIGN "Compute and network": Neutron mounted in the gateway by its config, with what the volume and image mounts have. */
describe('the gateway: a /network mount (Neutron) from its config', () => {
  let federation: Federation;
  let neutrons: NetworkService[];
  let gateway: Gateway;
  let token: string;

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
    neutrons = await Promise.all(federation.clouds.map((cloud) => NetworkService.startIn(cloud.keystone, federation.env.region)));
    gateway = createGateway(
      configFor(federation, {
        local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint, network: neutrons[0].publicUrl } },
        mounts: { '/volume': 'volumev3', '/network': 'network' },
        virtual_regions: [{ sp: 'sp1' }],
      }),
      createLogger('silent'),
    );
    token = federation.idp.issueToken('alice', 'demo');
  });

  after(async () => {
    await gateway.close();
    await Promise.all(neutrons.map((neutron) => neutron.stop()));
    await federation.close();
  });

  const get = (path: string) => request(gateway.app).get(path).set({ host: HOST, 'x-auth-token': token });

  it("answers Neutron's version discovery without a token, its links on the gateway", async () => {
    const answer = await request(gateway.app).get('/network/').set('host', HOST).expect(200);
    expect(answer.body.versions[0].links[0].href).to.equal(`http://${HOST}/network/v2.0/`);
  });

  it('merges the networks of both clouds with next and previous links on the gateway; a virtual region lists one cloud', async () => {
    const [idp, sp1] = federation.clouds;
    for (const [i, cloud] of federation.clouds.entries()) for (const name of ['a', 'b']) neutrons[i].seed('networks', cloud === idp ? federation.env.idpProjectId : cloud.projects.demo.id, { name: `${cloud.name}-${name}` });
    const merged = await get('/network/v2.0/networks?sort_key=name&sort_dir=asc&limit=3').expect(200);
    expect(merged.body.networks.map((n: { name: string }) => n.name)).to.deep.equal(['idp-a', 'idp-b', 'sp1-a']);
    const links = merged.body.networks_links as { rel: string; href: string }[];
    expect(links.map((link) => link.rel)).to.deep.equal(['next', 'previous']);
    for (const link of links) expect(link.href.startsWith(`http://${HOST}/network/v2.0/networks?`)).to.equal(true);
    const pinned = await get('/sp1/network/v2.0/networks').expect(200);
    expect(pinned.headers['x-k2k-service-provider']).to.equal(sp1.name);
    expect(pinned.body.networks.map((n: { name: string }) => n.name).sort()).to.deep.equal(['sp1-a', 'sp1-b']);
  });
});
