import { expect } from 'chai';
import { startFederation, type Federation } from '../src/index.js';
import { connect } from 'node:net';
import { aliceToken, http } from './helpers.js';

function connectError(port: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

describe('SimulatedKeystone', () => {
  let federation: Federation;

  before(async () => {
    federation = await startFederation();
  });

  after(() => federation.close());

  afterEach(() => {
    federation.idp.faults.clear();
    federation.idp.calls.reset();
  });

  const ecpBody = (token: string, sp = 'sp1') => JSON.stringify({ auth: { identity: { methods: ['token'], token: { id: token } }, scope: { service_provider: { id: sp } } } });
  const ecp = (token: string, sp = 'sp1') => http(`${federation.idp.authUrl}/auth/OS-FEDERATION/saml2/ecp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ecpBody(token, sp) });

  it('counts calls by route', async () => {
    await http(federation.idp.authUrl);
    await http(`${federation.idp.authUrl}/auth/projects`, { headers: { 'x-auth-token': aliceToken(federation) } });
    expect(federation.idp.calls.count()).to.equal(2);
    expect(federation.idp.calls.count('version')).to.equal(1);
    expect(federation.idp.calls.count('auth.projects')).to.equal(1);
    expect(federation.idp.calls.calls[1]).to.deep.include({ method: 'GET', path: '/v3/auth/projects', route: 'auth.projects', status: 200 });
  });

  it('answers an unknown path with a Keystone 404', async () => {
    const answer = await http(`${federation.idp.authUrl}/nothing-here`);
    expect(answer.status).to.equal(404);
    expect(answer.json()).to.deep.equal({ error: { code: 404, message: 'The resource could not be found.', title: 'Not Found' } });
  });

  it('injects latency, a status and a malformed answer, globally or per route', async () => {
    federation.idp.faults.set({ status: 503 }, 'version');
    expect((await http(federation.idp.authUrl)).status).to.equal(503);
    expect((await http(`${federation.idp.authUrl}/auth/projects`, { headers: { 'x-auth-token': aliceToken(federation) } })).status).to.equal(200);
    federation.idp.faults.set({ malformed: true });
    const malformed = await http(`${federation.idp.authUrl}/auth/projects`, { headers: { 'x-auth-token': aliceToken(federation) } });
    expect(() => malformed.json()).to.throw(SyntaxError);
    federation.idp.faults.clear();
    federation.idp.faults.set({ latencyMs: 150 });
    const started = process.hrtime.bigint();
    await http(federation.idp.authUrl);
    // A lower bound only: the latency is at least what was asked for.
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.at.least(140);
  });

  it('goes down (connections refused) and comes back on the same port', async () => {
    const url = federation.idp.authUrl;
    await federation.idp.down();
    try {
      expect(await connectError(new URL(url).port)).to.equal('ECONNREFUSED');
    } finally {
      await federation.idp.up();
    }
    expect(federation.idp.authUrl).to.equal(url);
    expect((await http(url)).status).to.equal(200);
  });

  it('expires and revokes tokens on request', async () => {
    const service = federation.idp.issueToken('k2k', 'service');
    const validate = (token: string) => http(`${federation.idp.authUrl}/auth/tokens`, { headers: { 'x-auth-token': service, 'x-subject-token': token } });
    const expired = aliceToken(federation);
    federation.idp.expireToken(expired);
    expect((await validate(expired)).status).to.equal(404);
    expect((await http(`${federation.idp.authUrl}/auth/tokens?allow_expired=1`, { headers: { 'x-auth-token': service, 'x-subject-token': expired } })).status).to.equal(200);
    const revoked = aliceToken(federation);
    const revoke = await http(`${federation.idp.authUrl}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': service, 'x-subject-token': revoked } });
    expect(revoke.status).to.equal(204);
    expect((await validate(revoked)).json()).to.deep.equal({ error: { code: 404, message: 'Failed to validate token', title: 'Not Found' } });
  });

  it('issues a system-scoped token to a user with a role on the system, as Keystone renders it', async () => {
    const systemToken = (user: string, password: string) =>
      http(`${federation.idp.authUrl}/auth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { system: { all: true } } } }),
      });
    const issued = await systemToken('admin', 'adminpw');
    expect(issued.status).to.equal(201);
    const body = issued.json() as { token: { system?: unknown; project?: unknown; roles: { name: string }[] } };
    expect(body.token.system).to.deep.equal({ all: true });
    expect(body.token).to.not.have.property('project');
    expect(body.token.roles.map((role) => role.name)).to.have.members(['admin', 'member', 'reader']);
    expect((await systemToken('alice', 'alicepw')).status).to.equal(401); // no role on the system
  });

  it('substitutes the project id in the catalog of a project-scoped token', async () => {
    const service = federation.idp.issueToken('k2k', 'service');
    const token = aliceToken(federation);
    const body = (await http(`${federation.idp.authUrl}/auth/tokens`, { headers: { 'x-auth-token': service, 'x-subject-token': token } })).json() as {
      token: { catalog: { type: string; endpoints: { url: string; interface: string }[] }[] };
    };
    const volume = body.token.catalog.find((entry) => entry.type === 'volumev3');
    expect(volume?.endpoints.map((e) => e.url)).to.deep.equal([
      `${federation.cloud('idp').volume.publicUrl}/v3/${federation.env.idpProjectId}`,
      `${federation.cloud('idp').volume.internalUrl}/v3/${federation.env.idpProjectId}`,
    ]);
  });

  describe('the K2K dance', () => {
    const consume = (sp: string, envelope: string) =>
      http(federation.sp(sp).spUrl, { method: 'POST', headers: { 'content-type': 'application/vnd.paos+xml' }, body: envelope });

    it('signs an assertion for the SP that only that SP accepts', async () => {
      const envelope = (await ecp(aliceToken(federation))).text;
      expect(envelope).to.include('<saml:Attribute Name="openstack_user"').and.include(`Recipient="${federation.sp('sp1').spUrl}"`);
      expect((await consume('sp2', envelope)).status).to.equal(500); // recipient is sp1
      const session = await consume('sp1', envelope);
      expect(session.status).to.equal(302);
      expect(session.headers.get('location')).to.equal(`${federation.sp('sp1').url}/`);
      const cookie = session.headers.getSetCookie()[0].split(';')[0];
      const token = await http(federation.sp('sp1').federationAuthUrl, { headers: { cookie } });
      expect(token.status).to.equal(201);
      expect(token.headers.get('x-subject-token')).to.match(/^gAAAAAB/);
    });

    it('rejects a tampered assertion', async () => {
      const envelope = (await ecp(aliceToken(federation))).text;
      const tampered = envelope.replace('>alice</saml:AttributeValue>', '>admin</saml:AttributeValue>');
      expect(tampered).to.not.equal(envelope);
      expect((await consume('sp1', tampered)).status).to.equal(500);
    });

    it('rejects an assertion signed by another IdP', async () => {
      const other = await startFederation({ serviceProviders: ['sp1'] });
      try {
        const foreign = (await http(`${other.idp.authUrl}/auth/OS-FEDERATION/saml2/ecp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ecpBody(other.idp.issueToken('alice', 'demo')) })).text;
        const retargeted = foreign.split(other.sp('sp1').spUrl).join(federation.sp('sp1').spUrl);
        expect((await consume('sp1', retargeted)).status).to.equal(500);
      } finally {
        await other.close();
      }
    });

    it('counts the exchange on each side', async () => {
      federation.sp('sp1').calls.reset();
      const envelope = (await ecp(aliceToken(federation))).text;
      const cookie = (await consume('sp1', envelope)).headers.getSetCookie()[0].split(';')[0];
      await http(federation.sp('sp1').federationAuthUrl, { headers: { cookie } });
      expect(federation.idp.calls.count('saml2.ecp')).to.equal(1);
      expect(federation.sp('sp1').calls.count('sp.ecp-consumer')).to.equal(1);
      expect(federation.sp('sp1').calls.count('federation.auth')).to.equal(1);
    });
  });

  it("answers the catalog's administration in Keystone's shapes: a token needed, the admin role to change it", async () => {
    const regions = `${federation.idp.authUrl}/regions`;
    expect((await http(regions)).status).to.equal(401);
    const listed = await http(regions, { headers: { 'x-auth-token': aliceToken(federation) } });
    expect(listed.json()).to.deep.equal({
      regions: [{ id: 'RegionOne', description: '', links: { self: `${regions}/RegionOne` }, parent_region_id: null }],
      links: { next: null, self: regions, previous: null },
    });
    const create = (token: string) => http(regions, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ region: { id: 'east' } }) });
    expect((await create(aliceToken(federation))).json()).to.deep.equal({
      error: { code: 403, message: 'You are not authorized to perform the requested action: identity:create_region.', title: 'Forbidden' },
    });
    const admin = federation.idp.issueToken('admin', 'admin');
    const created = await create(admin);
    expect(created.status).to.equal(201);
    expect(created.json()).to.deep.equal({ region: { id: 'east', description: '', links: { self: `${regions}/east` }, parent_region_id: null } });
    const endpoints = await http(`${federation.idp.authUrl}/endpoints?interface=internal&region_id=RegionOne`, { headers: { 'x-auth-token': admin } });
    const internal = (endpoints.json() as { endpoints: { interface: string; region: string; region_id: string }[] }).endpoints;
    expect(internal.map((endpoint) => [endpoint.interface, endpoint.region, endpoint.region_id])).to.deep.equal([
      ['internal', 'RegionOne', 'RegionOne'],
      ['internal', 'RegionOne', 'RegionOne'],
    ]);
    expect((await http(`${regions}/east`, { method: 'DELETE', headers: { 'x-auth-token': admin } })).status).to.equal(204);
    expect((await http(`${regions}/east`, { headers: { 'x-auth-token': admin } })).status).to.equal(404);
  });

  it('knows its clouds and refuses unknown names', () => {
    expect(federation.clouds.map((cloud) => cloud.name)).to.deep.equal(['idp', 'sp1', 'sp2']);
    expect(() => federation.cloud('sp9')).to.throw(/no cloud sp9/);
    expect(() => federation.sp('idp')).to.throw(/identity provider/);
  });
});
