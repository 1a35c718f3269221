import { expect } from 'chai';
import request from 'supertest';
import { startFederation, VolumeService, type Federation } from '@k2k/testing';
import { resolveVirtualRegions } from '../src/catalog/discover-virtual-regions.js';
import { createGateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { runGateway } from '../src/serve/server.js';
import { configFor } from './fixtures.js';

describe('the gateway with virtual regions (in-process)', () => {
  let federation: Federation;
  /** A second region of the local cloud, which trusts the IdP's tokens: a passthrough target */
  let regionTwo: VolumeService;
  let token: string;
  const logger = createLogger('silent');

  before(async () => {
    federation = await startFederation();
    regionTwo = await VolumeService.start(federation.idp);
    const { catalog } = federation.idp;
    const volume = catalog.services.find((service) => service.type === 'volumev3');
    if (!volume) throw new Error('no volumev3 service');
    catalog.addRegion('RegionTwo');
    catalog.addEndpoint(volume, { interface: 'public', regionId: 'RegionTwo', url: `${regionTwo.publicUrl}/v3/%(project_id)s` });
    token = federation.idp.issueToken('alice', 'demo');
  });

  after(() => Promise.all([federation.close(), regionTwo.stop()]));

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.image.reset();
    }
    regionTwo.reset();
    federation.idp.calls.reset();
  });

  const idpProject = () => federation.env.idpProjectId;
  const sp1 = () => federation.cloud('sp1');

  it('mounts every mount again below each listed region, pinned to its SP and project, ahead of the unpinned mounts', async () => {
    const gateway = createGateway(configFor(federation, { virtual_regions: [{ sp: 'sp1' }, { sp: 'sp1', name: 'sp1-demo2', project_name: 'demo2' }] }), logger);
    try {
      const pinned = await request(gateway.app).get(`/sp1/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
      expect(pinned.headers['x-k2k-service-provider']).to.equal('sp1');
      await request(gateway.app).get(`/sp1-demo2/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
      expect(sp1().volume.requests.map((received) => received.path)).to.deep.equal([`/v3/${sp1().projects.demo.id}/volumes`, `/v3/${sp1().projects.demo2.id}/volumes`]);
      expect(federation.cloud('idp').volume.requests).to.deep.equal([]); // no merged list
      await request(gateway.app).get('/sp1/image/v2/images').set('x-auth-token', token).expect(200);
      expect(sp1().image.requests).to.have.length(1);

      const refused = await request(gateway.app).get(`/sp1/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).set('SERVICE-PROVIDER', 'sp2').expect(400);
      expect(refused.body.error.message).to.equal('This endpoint is pinned to sp1 (a virtual region); SERVICE-PROVIDER names sp2.');
      const merged = await request(gateway.app).get(`/volume/v3/${idpProject()}/volumes`).set('x-auth-token', token).expect(200);
      expect(merged.headers['x-k2k-service-provider']).to.equal(undefined);
      expect(federation.cloud('idp').volume.requests).to.not.deep.equal([]);

      const metrics = (await request(gateway.app).get('/metrics').expect(200)).text;
      expect(metrics).to.match(/^k2k_requests_total\{mount="\/sp1\/volume",service_provider="sp1",method="GET",code="200"\} 1$/m);
      expect(metrics).to.match(/^k2k_requests_total\{mount="\/sp1-demo2\/volume",service_provider="sp1",method="GET",code="200"\} 1$/m);
    } finally {
      await gateway.close();
    }
  });

  it('answers anonymous version discovery of a virtual region from the local service, its links below the region', async () => {
    const gateway = createGateway(configFor(federation, { virtual_regions: [{ sp: 'sp1' }] }), logger);
    try {
      const versions = await request(gateway.app).get('/sp1/volume/').expect(300);
      const hrefs = (versions.body.versions as { links: { href: string }[] }[]).flatMap((version) => version.links.map((link) => link.href));
      expect(hrefs.filter((href) => href.includes('/v3/'))).to.not.deep.equal([]);
      for (const href of hrefs.filter((candidate) => candidate.startsWith('http://127.0.0.1'))) expect(href).to.match(/^http:\/\/127\.0\.0\.1:\d+\/sp1\/volume\//);
    } finally {
      await gateway.close();
    }
  });

  it('auto: a virtual region per service provider the IdP lists, allowed by service_providers, found at start', async () => {
    const config = configFor(federation, { virtual_regions: 'auto', drain: { grace_seconds: 0 } });
    expect(() => createGateway(config, logger)).to.throw(/^virtual_regions: auto: pass the virtual regions found at the IdP/);
    expect((await resolveVirtualRegions(config, logger)).map((region) => region.name)).to.deep.equal(['sp1', 'sp2']);
    const onlySp1 = await resolveVirtualRegions(configFor(federation, { virtual_regions: 'auto', service_providers: ['sp1'] }), logger);
    expect(onlySp1).to.deep.equal([{ name: 'sp1', serviceProvider: 'sp1', token: 'k2k' }]);

    const running = await runGateway(config, logger);
    try {
      const answer = await fetch(`http://127.0.0.1:${running.port}/sp2/volume/v3/${idpProject()}/volumes`, { headers: { 'x-auth-token': token } });
      expect(answer.status).to.equal(200);
      expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp2');
      await answer.body?.cancel();
    } finally {
      await running.stop();
    }
  });

  it('auto: says why when the IdP cannot tell', async () => {
    const config = configFor(federation, { virtual_regions: 'auto', keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'wrong', project_name: 'service' } } });
    const error = await resolveVirtualRegions(config, logger).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal('virtual_regions: auto: could not ask the IdP for its service providers: The request you have made requires authentication.');
  });

  it("passthrough: sends the caller's own token to the endpoint of its catalog in the region, with no K2K exchange", async () => {
    const gateway = createGateway(configFor(federation, { virtual_regions: [{ sp: 'two', region: 'RegionTwo', token: 'passthrough' }] }), logger);
    try {
      const volume = regionTwo.seed(idpProject(), { name: 'in-region-two' });
      const answer = await request(gateway.app).get(`/two.RegionTwo/volume/v3/${idpProject()}/volumes/${volume.id}`).set('x-auth-token', token).expect(200);
      expect(answer.body.volume.name).to.equal('in-region-two');
      expect(answer.headers['x-k2k-service-provider']).to.equal('two');
      expect(regionTwo.requests[0].headers['x-auth-token']).to.equal(token);
      expect(federation.idp.calls.count('saml2.ecp')).to.equal(0);
    } finally {
      await gateway.close();
    }
  });
});
