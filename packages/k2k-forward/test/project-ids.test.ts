import { expect } from 'chai';
import request from 'supertest';
import type { Cloud, Federation } from '@k2k/testing';
import { startFederatedGateway, userToken, type FederatedGateway } from './gateway-fixture.js';

/**
 * Issue #30, cause 6: a client names other projects by their ids at the IdP (a Glance image's
 * members); at a service provider those ids are its own projects' (project sync's link tags say
 * which stands for which), on the way there and back.
 */
describe('k2kForward: project ids a request names, at a service provider', () => {
  let setup: FederatedGateway;
  let federation: Federation;
  let sp1: Cloud;
  /** The partner project at the IdP, and its mirror at sp1 (tagged k2k-sync:<IdP id>) */
  let partner: { idp: string; sp: string };
  let partnerToken: string;

  before(async () => {
    setup = await startFederatedGateway();
    federation = setup.federation;
    sp1 = federation.cloud('sp1');
    const idp = federation.idp.directory;
    const idpPartner = idp.addProject('partner');
    idp.grant('member', idp.user({ name: federation.env.user, domain: { id: 'default' } })?.id ?? '', idpPartner.id);
    const sp = sp1.keystone.directory;
    const spPartner = sp.addProject('partner', 'default', { tags: ['k2k-sync', `k2k-sync:${idpPartner.id}`] });
    sp.grant('member', sp.groups.find((group) => group.name === 'federated_users')?.id ?? '', spPartner.id);
    partner = { idp: idpPartner.id, sp: spPartner.id };
    partnerToken = await userToken(federation.env, 'partner');
  });

  after(() => setup.close());

  beforeEach(() => sp1.image.reset());

  const members = (imageId: string, member = '') => `/image/v2/images/${imageId}/members${member && `/${member}`}`;
  const atSp1 = (test: request.Test, token = setup.token) => test.set('x-auth-token', token).set('service-provider', 'sp1');
  const received = (name: string) => sp1.image.requests.filter((r) => r.path.includes('/members')).map((r) => (name === 'path' ? r.path : r.body));

  it("shares an image at sp1 with a project named by its IdP id: sp1 gets its mirror's id, and the answers say the IdP's", async () => {
    const image = sp1.image.seed(sp1.projects.demo.id, { name: 'shared', visibility: 'shared' });
    const created = await atSp1(request(setup.gateway.app).post(members(image.id)).send({ member: partner.idp })).expect(200);
    expect(created.body).to.include({ member_id: partner.idp, image_id: image.id, status: 'pending' });
    expect(received('body')).to.deep.equal([{ member: partner.sp }]);
    expect(sp1.image.members.statusOf(image.id, partner.sp)).to.equal('pending');

    // The partner accepts, naming its own project by its IdP id in the path.
    const accepted = await atSp1(request(setup.gateway.app).put(members(image.id, partner.idp)).send({ status: 'accepted' }), partnerToken).expect(200);
    expect(accepted.body).to.include({ member_id: partner.idp, status: 'accepted' });
    expect(received('path')).to.include(`/v2/images/${image.id}/members/${partner.sp}`);
    const listedByPartner = await atSp1(request(setup.gateway.app).get('/image/v2/images'), partnerToken).expect(200);
    expect((listedByPartner.body.images as { id: string }[]).map((i) => i.id)).to.include(image.id);

    const listed = await atSp1(request(setup.gateway.app).get(members(image.id))).expect(200);
    expect((listed.body.members as { member_id: string }[]).map((m) => m.member_id)).to.deep.equal([partner.idp]);
    await atSp1(request(setup.gateway.app).delete(members(image.id, partner.idp))).expect(204);
    expect(sp1.image.members.statusOf(image.id, partner.sp)).to.equal(undefined);
  });

  it('passes an id no project at sp1 is linked to as it came, and leaves requests to the local cloud alone', async () => {
    const image = sp1.image.seed(sp1.projects.demo.id, { visibility: 'shared' });
    const stranger = '0123456789abcdef0123456789abcdef';
    const created = await atSp1(request(setup.gateway.app).post(members(image.id)).send({ member: stranger })).expect(200);
    expect(created.body.member_id).to.equal(stranger);
    expect(received('body')).to.deep.equal([{ member: stranger }]);

    const idp = federation.cloud('idp');
    const local = idp.image.seed(federation.env.idpProjectId, { visibility: 'shared' });
    await request(setup.gateway.app).post(members(local.id)).set('x-auth-token', setup.token).send({ member: partner.idp }).expect(200);
    expect(idp.image.members.statusOf(local.id, partner.idp)).to.equal('pending');
  });

  it("ignores a link another service provider's project carries: each SP's own Keystone says which of its projects stands for which", async () => {
    const sp2 = federation.cloud('sp2');
    sp2.keystone.directory.addProject('decoy', 'default', { tags: [`k2k-sync:${federation.env.idpProjectId}`] });
    const image = sp1.image.seed(sp1.projects.demo.id, { visibility: 'shared' });
    await atSp1(request(setup.gateway.app).post(members(image.id)).send({ member: partner.idp })).expect(200);
    expect(received('body')).to.deep.equal([{ member: partner.sp }]);
  });
});
