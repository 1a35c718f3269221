import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import type { KeystoneClient, Project } from '@k2k/keystone';
import { silentLogger } from '@k2k/common';
import type { Call } from '../src/call.js';
import type { Destination } from '../src/execute/cloud-address.js';
import { ProjectIds } from '../src/execute/project-ids.js';
import { rewriteProjectIds } from '../src/answer/rewrite-project-ids.js';
import { parseApiRequest } from '../src/parse/parse-request.js';
import { CALLER, incoming, PROJECT_ID, type CallIn } from './check.js';

const SP_OWN = 'aaaa0000aaaa0000aaaa0000aaaa0000';
const IDP_PARTNER = 'bbbb1111bbbb1111bbbb1111bbbb1111';
const SP_PARTNER = 'cccc2222cccc2222cccc2222cccc2222';
const SP1 = CALLER.serviceProviders[0];

/** The SP's Keystone as the caller's session sees it: its own project, and the partner's mirror with project sync's link tag. */
const spKeystone = (projects: Project[]) => ({ clientFor: () => ({ listProjects: () => Promise.resolve(projects) }) }) as unknown as KeystoneClient;
const REACHABLE: Project[] = [
  { id: SP_OWN, name: 'demo', domainId: 'default', enabled: true, tags: [] },
  { id: SP_PARTNER, name: 'partner', domainId: 'default', enabled: true, tags: ['k2k-sync', `k2k-sync:${IDP_PARTNER}`] },
];
const AT_SP1: Destination = { kind: 'remote', serviceProvider: SP1, session: { token: 'sp-token', expiresAt: '2099-01-01T00:00:00Z', projectId: SP_OWN, projectName: 'demo', catalog: [] } };

function callOf(api: string, input: CallIn): Call {
  const req = incoming(input);
  return { req, res: {} as ServerResponse, request: parseApiRequest(input.method ?? 'GET', input.path, PROJECT_ID, api), identity: CALLER, requestId: 'req-1', upstreamRequestId: 'req-1', userToken: 't', proxyList: 'p', limits: { looped: false, allowedServiceProviders: undefined, interface: 'public', refusal: undefined }, started: 0 };
}

/** The execute step's project ids for a service provider (issue #30, cause 6): a fake SP Keystone, no federation. */
describe('ProjectIds: the project ids a request names, as an SP knows them', () => {
  const ids = (api: string, projects = REACHABLE) => ({ translate: (input: CallIn, to: Destination = AT_SP1) => new ProjectIds(api, spKeystone(projects), 'k2k-sync', 1 << 20, silentLogger).translate(callOf(api, input), to) });

  it("maps Cinder's quota path, a type's access in the body, and an admin's project_id filter; answers go back", async () => {
    const quota = await ids('block-storage').translate({ path: `/v3/${PROJECT_ID}/os-quota-sets/${IDP_PARTNER}?usage=True` });
    expect(quota?.request.rest).to.equal(`/os-quota-sets/${SP_PARTNER}`);
    expect(quota?.answer.places).to.deep.include({ key: 'id', parent: 'quota_set' });
    expect(quota?.answer.local(SP_PARTNER)).to.equal(IDP_PARTNER);
    const access = await ids('block-storage').translate({ method: 'POST', path: `/v3/${PROJECT_ID}/types/t1/action`, body: { addProjectAccess: { project: IDP_PARTNER } } });
    expect(JSON.parse(access?.body ?? '{}')).to.deep.equal({ addProjectAccess: { project: SP_PARTNER } });
    const listed = await ids('block-storage').translate({ path: `/v3/${PROJECT_ID}/volumes/detail?all_tenants=1&project_id=${IDP_PARTNER}` });
    expect(new URLSearchParams(listed?.request.query).get('project_id')).to.equal(SP_PARTNER);
  });

  it("maps Neutron's quota path and its lists' project_id / tenant_id filters", async () => {
    const quota = await ids('network').translate({ path: `/v2.0/quotas/${IDP_PARTNER}` });
    expect(quota?.request.rest).to.equal(`/quotas/${SP_PARTNER}`);
    const listed = await ids('network').translate({ path: `/v2.0/ports?tenant_id=${IDP_PARTNER}&device_owner=x` });
    expect(Object.fromEntries(new URLSearchParams(listed?.request.query))).to.deep.equal({ tenant_id: SP_PARTNER, device_owner: 'x' });
  });

  it("maps the owner filters of Glance's image list and Nova's server lists, as the answers name owners (Tempest's test_list_image_param_owner)", async () => {
    const images = await ids('image').translate({ path: `/v2/images?owner=${PROJECT_ID}&limit=5` });
    expect(Object.fromEntries(new URLSearchParams(images?.request.query))).to.deep.equal({ owner: SP_OWN, limit: '5' });
    const servers = await ids('compute').translate({ path: `/v2.1/servers/detail?all_tenants=1&project_id=${IDP_PARTNER}` });
    expect(new URLSearchParams(servers?.request.query).get('project_id')).to.equal(SP_PARTNER);
    const byTenant = await ids('compute').translate({ path: `/v2.1/servers?tenant_id=${PROJECT_ID}` });
    expect(new URLSearchParams(byTenant?.request.query).get('tenant_id')).to.equal(SP_OWN);
  });

  it("maps Nova's usage and quota paths (Horizon's overview asks both), and the quota set's id back", async () => {
    const usage = await ids('compute').translate({ path: `/v2.1/os-simple-tenant-usage/${PROJECT_ID}?start=2026-01-01T00:00:00` });
    expect(usage?.request.rest).to.equal(`/os-simple-tenant-usage/${SP_OWN}`);
    const quota = await ids('compute').translate({ path: `/v2.1/os-quota-sets/${IDP_PARTNER}/detail` });
    expect(quota?.request.rest).to.equal(`/os-quota-sets/${SP_PARTNER}/detail`);
    const answered = rewriteProjectIds(Buffer.from(JSON.stringify({ quota_set: { id: SP_PARTNER, cores: { limit: 20 } } })), quota!.answer);
    expect(JSON.parse(answered.toString())).to.deep.equal({ quota_set: { id: IDP_PARTNER, cores: { limit: 20 } } });
  });

  it("answers name the caller's project at the SP as the caller's own, without asking the SP's Keystone (Horizon offers Delete only on what its project owns)", async () => {
    const noKeystone = { clientFor: () => ({ listProjects: () => Promise.reject(new Error('not to be asked')) }) } as unknown as KeystoneClient;
    const translate = (api: string, path: string) => new ProjectIds(api, noKeystone, 'k2k-sync', 1 << 20, silentLogger).translate(callOf(api, { path }), AT_SP1);
    const owned = (api: string, path: string, body: object) => translate(api, path).then((t) => JSON.parse(rewriteProjectIds(Buffer.from(JSON.stringify(body)), t!.answer).toString()) as unknown);
    const other = 'dddd3333dddd3333dddd3333dddd3333';
    expect(await owned('block-storage', `/v3/${PROJECT_ID}/volumes/detail`, { volumes: [{ id: 'v1', 'os-vol-tenant-attr:tenant_id': SP_OWN }, { id: 'v2', 'os-vol-tenant-attr:tenant_id': other }] })).to.deep.equal({
      volumes: [{ id: 'v1', 'os-vol-tenant-attr:tenant_id': PROJECT_ID }, { id: 'v2', 'os-vol-tenant-attr:tenant_id': other }],
    });
    expect(await owned('compute', '/v2.1/servers/detail', { servers: [{ id: 's1', tenant_id: SP_OWN }] })).to.deep.equal({ servers: [{ id: 's1', tenant_id: PROJECT_ID }] });
    expect(await owned('network', '/v2.0/networks', { networks: [{ id: 'n1', tenant_id: SP_OWN, project_id: SP_OWN }] })).to.deep.equal({ networks: [{ id: 'n1', tenant_id: PROJECT_ID, project_id: PROJECT_ID }] });
    expect(await owned('image', '/v2/images', { images: [{ id: 'i1', owner: SP_OWN }] })).to.deep.equal({ images: [{ id: 'i1', owner: PROJECT_ID }] });
  });

  it("maps the caller's own project with no link, and leaves unknown ids, other requests and other clouds alone", async () => {
    const own = await ids('image', []).translate({ method: 'PUT', path: `/v2/images/i1/members/${PROJECT_ID}`, body: { status: 'accepted' } });
    expect(own?.request.rest).to.equal(`/images/i1/members/${SP_OWN}`);
    const stranger = await ids('image').translate({ method: 'POST', path: '/v2/images/i1/members', body: { member: 'stranger' } });
    expect(stranger?.body).to.equal(undefined);
    const plain = await ids('image').translate({ path: '/v2/images/i1' });
    expect({ rest: plain?.request.rest, body: plain?.body }).to.deep.equal({ rest: '/images/i1', body: undefined });
    expect(await ids('image').translate({ path: `/v2/images/i1/members/${IDP_PARTNER}` }, { kind: 'local' })).to.equal(undefined);
  });

  it("refuses (502) an id from the SP's Keystone that could not be one path segment", async () => {
    const bad = [{ ...REACHABLE[1], id: '../../limits' }];
    const failure = await ids('image', bad).translate({ path: `/v2/images/i1/members/${IDP_PARTNER}` }).catch((error: unknown) => error);
    expect(failure).to.have.property('status', 502);
  });
});
