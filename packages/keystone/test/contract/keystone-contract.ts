/**
 * The Keystone client's contract, written once and run against both Keystones: the simulator in
 * every test run (../contract-simulator.test.ts) and real Keystone servers in the real-Keystone
 * suite (test/keystone). It only uses what FederationEnv says about the federation.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { KeystoneAdmin, type FederationEnv } from '@k2k/testing';
import { KeystoneClient, KeystoneError, selectEndpoint, type CatalogAdmin, type ProjectAdmin, type ServiceProvider, type Token } from '../../src/index.js';

/** What a contract run needs beyond the env: ways to make states the API cannot make alone. */
export interface ContractHooks {
  /** A token of the env's user, project-scoped, that has expired */
  expiredToken(): Promise<string>;
}

export function defineKeystoneContract(getEnv: () => FederationEnv, hooks: ContractHooks): void {
  let env: FederationEnv;
  let idp: KeystoneClient;

  const userToken = (): Promise<Token> =>
    idp.authenticate({ user: { name: env.user, domain: { name: env.userDomain } }, password: env.userPassword }, { project: { name: env.idpProject, domain: { name: 'Default' } } });
  const serviceToken = (): Promise<Token> =>
    idp.authenticate({ user: { name: env.serviceUser, domain: { name: 'Default' } }, password: env.servicePassword }, { project: { name: env.serviceProject, domain: { name: 'Default' } } });
  const serviceProviderOf = (token: Token): ServiceProvider => {
    const sp = token.serviceProviders.find((candidate) => candidate.id === env.spId);
    if (!sp) throw new Error(`the token lists no service provider ${env.spId}`);
    return sp;
  };
  const refusal = async (call: Promise<unknown>): Promise<KeystoneError> => {
    const error = await call.then(
      () => expect.fail('Keystone accepted the call'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(KeystoneError);
    return error as KeystoneError;
  };

  before(() => {
    env = getEnv();
    idp = new KeystoneClient({ authUrl: env.idpAuthUrl });
  });

  after(() => idp.close());

  describe('password authentication', () => {
    it('gives a project-scoped token with roles, catalog and the service providers', async () => {
      const token = await userToken();
      expect(token.id).to.be.a('string').with.length.greaterThan(20);
      expect(token.user).to.include({ name: env.user });
      expect(token.user.domain).to.deep.equal({ id: 'default', name: 'Default' });
      expect(token.project).to.deep.include({ id: env.idpProjectId, name: env.idpProject, domain: { id: 'default', name: 'Default' } });
      expect(token.roles.map((role) => role.name)).to.include('member');
      expect(token.methods).to.deep.equal(['password']);
      expect(Date.parse(token.expiresAt)).to.be.greaterThan(Date.now());
      expect(token.catalog.map((entry) => entry.type)).to.include.members(['identity', 'volumev3', 'image']);
      expect(token.serviceProviders.map((sp) => sp.id)).to.include(env.spId);
      expect(serviceProviderOf(token)).to.deep.equal({ id: env.spId, spUrl: env.spUrl, authUrl: env.spFederationAuthUrl });
    });

    it('gives an unscoped token without catalog or roles', async () => {
      const token = await idp.authenticate({ user: { name: env.user, domain: { name: env.userDomain } }, password: env.userPassword });
      expect(token.project).to.equal(undefined);
      expect(token.catalog).to.deep.equal([]);
      expect(token.roles).to.deep.equal([]);
    });

    it('refuses a wrong password with 401', async () => {
      const error = await refusal(idp.authenticate({ user: { name: env.user, domain: { name: env.userDomain } }, password: 'wrong' }));
      expect(error.status).to.equal(401);
      expect(error.message).to.equal('The request you have made requires authentication.');
    });
  });

  describe('token validation', () => {
    it('validates a user token for a service, with and without the catalog', async () => {
      const [user, service] = await Promise.all([userToken(), serviceToken()]);
      const validated = await idp.validateToken(service.id, user.id);
      expect(validated.id).to.equal(user.id);
      expect(validated.project?.id).to.equal(env.idpProjectId);
      expect(validated.expiresAt).to.equal(user.expiresAt);
      expect(validated.catalog.length).to.be.greaterThan(0);
      const withoutCatalog = await idp.validateToken(service.id, user.id, { catalog: false });
      expect(withoutCatalog.catalog).to.deep.equal([]);
      expect(withoutCatalog.serviceProviders.map((sp) => sp.id)).to.include(env.spId);
    });

    it('answers 404 for a bogus token', async () => {
      const service = await serviceToken();
      const error = await refusal(idp.validateToken(service.id, 'gAAAAABbogus'));
      expect(error.status).to.equal(404);
      expect(error.message).to.equal('Could not recognize Fernet token');
    });

    it('answers 401 when the service token itself is bad', async () => {
      const user = await userToken();
      expect((await refusal(idp.validateToken('gAAAAABbogus', user.id))).status).to.equal(401);
    });

    it('answers 404 for an expired token, and validates it with allow_expired', async function () {
      this.timeout(30_000); // real Keystone's expired token is waited out
      const [expired, service] = await Promise.all([hooks.expiredToken(), serviceToken()]);
      const error = await refusal(idp.validateToken(service.id, expired));
      expect(error.status).to.equal(404);
      expect(error.message).to.equal('Failed to validate token');
      const stale = await idp.validateToken(service.id, expired, { allowExpired: true });
      expect(Date.parse(stale.expiresAt)).to.be.at.most(Date.now());
      expect((await refusal(idp.requestEcpAssertion(expired, env.spId))).status).to.equal(404);
    });

    it("answers 403 when a user validates another user's token", async () => {
      const [user, service] = await Promise.all([userToken(), serviceToken()]);
      expect((await refusal(idp.validateToken(user.id, service.id))).status).to.equal(403);
    });
  });

  describe('K2K exchange', () => {
    it('trades a project-scoped IdP token for an unscoped federated token at the SP', async () => {
      const token = await userToken();
      const { unscoped, serviceProvider } = await idp.federate(token.id, serviceProviderOf(token));
      expect(serviceProvider.authUrl).to.equal(env.spAuthUrl);
      expect(unscoped.id).to.not.equal(token.id);
      expect(unscoped.methods).to.deep.equal(['saml2']);
      expect(unscoped.user.name).to.equal(env.user);
      expect(unscoped.user.federation).to.include({ identityProvider: 'idp', protocol: 'saml2' });
      expect(unscoped.user.federation?.groups).to.have.length(1);
      expect(unscoped.project).to.equal(undefined);
    });

    it('lists the projects the federated user reaches and scopes to them by name and by id', async () => {
      const token = await userToken();
      const { unscoped, serviceProvider } = await idp.federate(token.id, serviceProviderOf(token));
      const projects = await serviceProvider.listProjects(unscoped.id);
      expect(projects.map((p) => p.name).sort()).to.deep.equal([env.spProject, env.spProject2].sort());

      const byName = await serviceProvider.scopeToken(unscoped.id, { project: { name: env.spProject, domain: { name: 'Default' } } });
      expect(byName.project?.id).to.equal(env.spProjectId);
      expect(byName.methods).to.have.members(['token', 'saml2']); // Keystone keeps no order
      expect(byName.expiresAt).to.equal(unscoped.expiresAt);
      const byId = await serviceProvider.scopeToken(unscoped.id, { project: { id: env.spProject2Id } });
      expect(byId.project?.name).to.equal(env.spProject2);
    });

    it("picks the SP's volume endpoint from the scoped catalog, public and internal apart", async () => {
      const token = await userToken();
      const { unscoped, serviceProvider } = await idp.federate(token.id, serviceProviderOf(token));
      const scoped = await serviceProvider.scopeToken(unscoped.id, { project: { id: env.spProjectId } });
      const expected = env.spVolumeEndpoint.replace('%(project_id)s', env.spProjectId);
      expect(selectEndpoint(scoped.catalog, { serviceType: 'block-storage' })?.url).to.equal(expected);
      const internal = selectEndpoint(scoped.catalog, { serviceType: 'volumev3', interface: 'internalURL', region: env.region });
      expect(internal?.url).to.be.a('string').and.not.equal(expected);
      expect(selectEndpoint(scoped.catalog, { serviceType: 'image' })?.url).to.equal(env.spImageEndpoint);
    });

    it('refuses to scope the federated user to a project it has no role on (401)', async () => {
      const token = await userToken();
      const { unscoped, serviceProvider } = await idp.federate(token.id, serviceProviderOf(token));
      const error = await refusal(serviceProvider.scopeToken(unscoped.id, { project: { name: env.spLockedProject, domain: { name: 'Default' } } }));
      expect(error.status).to.equal(401);
    });

    it('answers 404 for an unknown service provider', async () => {
      const token = await userToken();
      const error = await refusal(idp.requestEcpAssertion(token.id, 'nope'));
      expect(error.status).to.equal(404);
      expect(error.message).to.equal('Could not find Service Provider: nope.');
    });

    it('answers 404 for a bogus token at the ECP endpoint', async () => {
      const error = await refusal(idp.requestEcpAssertion('gAAAAABbogus', env.spId));
      expect(error.status).to.equal(404);
    });

    it('answers 403 for an unscoped token at the ECP endpoint', async () => {
      const unscoped = await idp.authenticate({ user: { name: env.user, domain: { name: env.userDomain } }, password: env.userPassword });
      const error = await refusal(idp.requestEcpAssertion(unscoped.id, env.spId));
      expect(error.status).to.equal(403);
    });

    it("gets 500 from the SP's ECP consumer for garbage, and from its auth URL without a session", async () => {
      const consumer = await fetch(env.spUrl, { method: 'POST', headers: { 'content-type': 'application/vnd.paos+xml' }, body: 'garbage' });
      expect(consumer.status).to.equal(500);
      await consumer.body?.cancel();
      const auth = await fetch(env.spFederationAuthUrl);
      expect(auth.status).to.equal(500);
      await auth.body?.cancel();
    });
  });

  describe('catalog administration', () => {
    // Names of their own, removed again: the real-Keystone run shares its IdP with other suites.
    const suffix = randomBytes(4).toString('hex');
    const regionId = `k2k-contract-${suffix}`;
    const serviceType = `k2k-contract-${suffix}`;
    const adminToken = (): Promise<Token> =>
      idp.authenticate({ user: { name: env.adminUser, domain: { name: 'Default' } }, password: env.adminPassword }, { project: { name: 'admin', domain: { name: 'Default' } } });
    let admin: CatalogAdmin;

    before(async () => {
      admin = idp.catalogAdmin((await adminToken()).id);
    });

    after(async () => {
      // whatever a failed test left behind
      for (const service of await admin.listServices({ type: serviceType })) await admin.deleteService(service.id);
      if ((await admin.listRegions()).some((region) => region.id === regionId)) await admin.deleteRegion(regionId);
    });

    it('creates a region with the id asked for, a service and an endpoint there, which new tokens list; then deletes them', async () => {
      const region = await admin.createRegion({ id: regionId, description: 'k2k contract' });
      expect(region).to.deep.equal({ id: regionId, description: 'k2k contract', parentRegionId: null });
      expect((await admin.listRegions()).map((r) => r.id)).to.include(regionId);
      const service = await admin.createService({ type: serviceType, name: 'k2k-contract', description: 'k2k contract' });
      expect(service).to.deep.include({ type: serviceType, name: 'k2k-contract', description: 'k2k contract', enabled: true });
      expect(await admin.listServices({ type: serviceType })).to.deep.equal([service]);
      const url = `http://127.0.0.1:9/${suffix}/v3/%(project_id)s`;
      const endpoint = await admin.createEndpoint({ serviceId: service.id, regionId, interface: 'public', url });
      expect(endpoint).to.deep.include({ serviceId: service.id, regionId, interface: 'public', url, enabled: true });
      expect(await admin.listEndpoints({ serviceId: service.id, regionId, interface: 'public' })).to.deep.equal([endpoint]);
      expect(await admin.listEndpoints({ regionId, interface: 'internal' })).to.deep.equal([]);

      const token = await userToken();
      expect(selectEndpoint(token.catalog, { serviceType, region: regionId })?.url).to.equal(url.replace('%(project_id)s', env.idpProjectId));

      await admin.deleteEndpoint(endpoint.id);
      await admin.deleteService(service.id);
      await admin.deleteRegion(regionId);
      expect((await admin.listRegions()).map((r) => r.id)).to.not.include(regionId);
      expect(selectEndpoint((await userToken()).catalog, { serviceType })).to.equal(undefined);
    });

    it('refuses a duplicate region (409), deleting a region with endpoints (403), an endpoint in no region or an empty service name (400), unknown ids (404)', async () => {
      await admin.createRegion({ id: regionId, description: '' });
      const duplicate = await refusal(admin.createRegion({ id: regionId, description: '' }));
      expect(duplicate.status).to.equal(409);
      expect(duplicate.message).to.equal(`Conflict occurred attempting to store region - Duplicate ID, ${regionId}..`);
      const service = await admin.createService({ type: serviceType, name: 'k2k-contract', description: '' });
      const endpoint = await admin.createEndpoint({ serviceId: service.id, regionId, interface: 'public', url: `http://127.0.0.1:9/${suffix}` });
      const unnamed = await refusal(admin.createService({ type: serviceType, name: '', description: '' }));
      expect(unnamed.status).to.equal(400);
      expect(unnamed.message).to.match(/^Invalid input for field 'name': '' is too short/);
      const inUse = await refusal(admin.deleteRegion(regionId));
      expect(inUse.status).to.equal(403);
      expect(inUse.message).to.equal(`Unable to delete region ${regionId} because it or its child regions have associated endpoints.`);
      const noRegion = await refusal(admin.createEndpoint({ serviceId: service.id, regionId: `${regionId}-nowhere`, interface: 'public', url: `http://127.0.0.1:9/${suffix}` }));
      expect(noRegion.status).to.equal(400);
      await admin.deleteService(service.id); // its endpoints go with it
      expect((await refusal(admin.deleteEndpoint(endpoint.id))).message).to.equal(`Could not find endpoint: ${endpoint.id}.`);
      await admin.deleteRegion(regionId);
      const gone = await refusal(admin.deleteRegion(regionId));
      expect(gone.status).to.equal(404);
      expect(gone.message).to.equal(`Could not find region: ${regionId}.`);
    });

    it("lets any token read regions, and only the admin role change the catalog (403 naming the policy)", async () => {
      const user = idp.catalogAdmin((await userToken()).id);
      expect((await user.listRegions()).map((r) => r.id)).to.include(env.region);
      const refused = await refusal(user.createRegion({ id: regionId, description: '' }));
      expect(refused.status).to.equal(403);
      expect(refused.message).to.equal('You are not authorized to perform the requested action: identity:create_region.');
      expect((await refusal(user.listEndpoints())).status).to.equal(403);
    });
  });
  describe('project administration (at the SP)', () => {
    // Names and tags of their own, removed again: the real-Keystone run shares its SP with other suites.
    const suffix = randomBytes(4).toString('hex');
    const tag = `k2k-contract-${suffix}`;
    let sp: KeystoneClient;
    let admin: ProjectAdmin;

    before(async () => {
      sp = new KeystoneClient({ authUrl: env.spAuthUrl });
      const token = await sp.authenticate({ user: { name: env.adminUser, domain: { name: 'Default' } }, password: env.adminPassword }, { project: { name: 'admin', domain: { name: 'Default' } } });
      admin = sp.projectAdmin(token.id);
    });

    after(async () => {
      for (const project of (await admin.listProjects({ tags: [tag] })).projects) await admin.deleteProject(project.id);
      await sp.close();
    });

    it('creates a project with description, enabled and tags, lists it by tags, updates and deletes it', async () => {
      // Keystone keeps a project's tags in no particular order: compared as sets.
      const tagsSorted = <T extends { tags: string[] }>(project: T): T => ({ ...project, tags: [...project.tags].sort() });
      const listed = async (query: Parameters<typeof admin.listProjects>[0]) => {
        const list = await admin.listProjects(query);
        return { ...list, projects: list.projects.map(tagsSorted) };
      };
      const created = await admin.createProject({ name: `k2k-contract-${suffix}`, domainId: 'default', description: 'first', enabled: false, tags: [tag, `${tag}:one`] });
      expect(created).to.deep.include({ name: `k2k-contract-${suffix}`, domainId: 'default', description: 'first', enabled: false });
      expect(created.tags).to.have.members([tag, `${tag}:one`]);
      expect(created.id).to.match(/^[0-9a-f]{32}$/);
      expect(await listed({ tags: [tag] })).to.deep.equal({ projects: [tagsSorted(created)], truncated: false });
      expect(await listed({ tags: [tag, `${tag}:one`], domainId: 'default' })).to.deep.equal({ projects: [tagsSorted(created)], truncated: false });
      expect(await admin.listProjects({ tags: [tag, `${tag}:two`] })).to.deep.equal({ projects: [], truncated: false });
      const updated = await admin.updateProject(created.id, { name: `k2k-contract-${suffix}-b`, description: 'second', enabled: true });
      expect(tagsSorted(updated)).to.deep.equal(tagsSorted({ ...created, name: `k2k-contract-${suffix}-b`, description: 'second', enabled: true }));
      expect(await listed({ tags: [tag] })).to.deep.equal({ projects: [tagsSorted(updated)], truncated: false });
      await admin.deleteProject(created.id);
      expect(await admin.listProjects({ tags: [tag] })).to.deep.equal({ projects: [], truncated: false });
      const gone = await refusal(admin.deleteProject(created.id));
      expect(gone.status).to.equal(404);
      expect(gone.message).to.equal(`Could not find project: ${created.id}.`);
    });

    it('refuses a name already taken in the domain: 409 on create, a bare 500 on rename (Zed does not catch that one)', async () => {
      const first = await admin.createProject({ name: `k2k-contract-${suffix}-1`, domainId: 'default', description: '', enabled: true, tags: [tag] });
      const second = await admin.createProject({ name: `k2k-contract-${suffix}-2`, domainId: 'default', description: '', enabled: true, tags: [tag] });
      const taken = await refusal(admin.createProject({ name: first.name, domainId: 'default', description: '', enabled: true, tags: [tag] }));
      expect(taken.status).to.equal(409);
      // The id named is the one the refused project would have had.
      const prefix = 'Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain';
      expect(taken.message).to.match(new RegExp(`^${prefix}: name is ${first.name}, project id [0-9a-f]{32}\\.$`));
      expect(taken.message).to.not.include(first.id);
      const renamed = await refusal(admin.updateProject(second.id, { name: first.name }));
      expect(renamed.status).to.equal(500);
      expect(renamed.message).to.equal('HTTP 500 without a Keystone error body');
      await admin.deleteProject(first.id);
      await admin.deleteProject(second.id);
    });

    it('finds domains, groups and roles by name and grants a group a role on a project (idempotent), which goes with the project', async () => {
      expect(await admin.domainId('Default')).to.equal('default');
      expect(await admin.domainId(`nowhere-${suffix}`)).to.equal(undefined);
      const groupId = await admin.groupId('federated_users', 'default');
      const roleId = await admin.roleId('member');
      expect(groupId).to.match(/^[0-9a-f]{32}$/);
      expect(roleId).to.match(/^\w+$/);
      if (!groupId || !roleId) return;
      const project = await admin.createProject({ name: `k2k-contract-${suffix}-grant`, domainId: 'default', description: '', enabled: true, tags: [tag] });
      await admin.grantGroupRole({ groupId, projectId: project.id, roleId });
      await admin.grantGroupRole({ groupId, projectId: project.id, roleId });
      expect((await admin.groupGrants(groupId, roleId)).filter((grant) => grant.projectId === project.id)).to.deep.equal([{ groupId, projectId: project.id, roleId }]);
      expect((await admin.groupGrants(groupId, roleId)).map((grant) => grant.projectId)).to.include(env.spProjectId);
      await admin.deleteProject(project.id);
      expect((await admin.groupGrants(groupId, roleId)).map((grant) => grant.projectId)).to.not.include(project.id);
    });

    it('lets only the admin role list projects (403 naming the policy)', async () => {
      const user = idp.projectAdmin((await userToken()).id);
      const refused = await refusal(user.listProjects());
      expect(refused.status).to.equal(403);
      expect(refused.message).to.equal('You are not authorized to perform the requested action: identity:list_projects.');
    });
  });
  describe('endpoint groups (OS-EP-FILTER)', () => {
    let admin: KeystoneAdmin;

    before(async () => {
      admin = await KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin');
    });

    after(() => admin.undo());

    it("trims the catalog of the associated project's tokens to the group's endpoints, until undone", async () => {
      const interfaces = (token: Token) => [...new Set(token.catalog.flatMap((entry) => entry.endpoints.map((endpoint) => endpoint.interface)))].sort();
      expect(interfaces(await userToken())).to.include.members(['internal', 'public']);
      await admin.restrictCatalog(env.idpProjectId, { interface: 'internal' });
      const trimmed = await userToken();
      expect(interfaces(trimmed)).to.deep.equal(['internal']);
      const service = await serviceToken();
      expect(interfaces(await idp.validateToken(service.id, trimmed.id))).to.deep.equal(['internal']);
      await admin.undo();
      expect(interfaces(await userToken())).to.include.members(['internal', 'public']);
    });
  });

  describe('application credentials', () => {
    let owner: KeystoneAdmin;

    before(async () => {
      owner = await KeystoneAdmin.login(env.idpAuthUrl, env.user, env.userPassword, env.idpProject);
    });

    after(() => owner.undo());

    it("gives a token scoped to the credential's project, with its access rules, which Keystone validates only for a validator that enforces them", async () => {
      const rules = [{ service: 'volumev3', method: 'GET', path: '/v3/*/volumes' }];
      const made = await owner.createApplicationCredential(`k2k-contract-${randomBytes(4).toString('hex')}`, rules);
      const token = await idp.authenticate({ applicationCredential: { id: made.id, secret: made.secret } });
      expect(token.methods).to.deep.equal(['application_credential']);
      expect(token.project?.id).to.equal(env.idpProjectId);
      expect(token.applicationCredential).to.deep.include({ id: made.id, restricted: true });
      expect(token.applicationCredential?.accessRules?.map(({ service, method, path }) => ({ service, method, path }))).to.deep.equal(rules);
      const service = await serviceToken();
      expect((await idp.validateToken(service.id, token.id)).applicationCredential?.id).to.equal(made.id); // the client declares it enforces them
      const undeclared = await fetch(`${env.idpAuthUrl}/auth/tokens`, { headers: { 'x-auth-token': service.id, 'x-subject-token': token.id } });
      await undeclared.body?.cancel();
      expect(undeclared.status).to.equal(404);
      expect((await refusal(idp.authenticate({ applicationCredential: { id: made.id, secret: 'wrong' } }))).status).to.equal(401);
    });
  });
}
