import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { projectPseudonym } from '@k2k/k2k-forward';
import { createStore, type Store } from '@k2k/store';
import { KeystoneAdmin, type FederationEnv } from '@k2k/testing';
import { testGateway, userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { command, option, PROSE, resellerMappingRules, writerOf } from '@k2k/gateway/dist/test/gateway-readme.js';
import { realFederation } from './real-keystone.js';
import { ok, realServices, runCli } from './stock-cli.js';

/** A Keystone collection's entries of one name (what a CLI step made, found again for the clean-up). */
async function idsNamed(admin: KeystoneAdmin, path: string, key: string, name: string): Promise<string[]> {
  const listed = await admin.call<Record<string, { id: string; name: string }[]>>('GET', path);
  return listed[key].filter((entry) => entry.name === name).map((entry) => entry.id);
}

/** The README's words with one word (a name) replaced by the test's scratch one: the only change made to its commands. */
function renamed(words: string[], from: string, to: string): string[] {
  expect(words, `the README's ${words.slice(0, 3).join(' ')}`).to.include(from);
  return words.map((word) => (word === from ? to : word));
}

/**
 * The gateway README's operator steps that only a real Keystone can check (the fast suite's
 * packages/gateway/test/readme-operator-steps.test.ts runs the rest on the simulated federation):
 * its commands, read from the README, run by the stock `openstack` CLI as the IdP's or the SP's
 * admin, on names of the run's own (never the live group or mapping other tests use), all removed
 * afterwards.
 */
describe("the gateway README's operator steps, against the real Keystone IdP and SP", function () {
  this.timeout(120_000);
  const scratch = `readme-${process.pid}-${Date.now().toString(36)}`;
  const servicePassword = `${scratch}-password`;
  let env: FederationEnv;
  let dir: string;
  let store: Store;
  let idpAdmin: KeystoneAdmin;
  let spAdmin: KeystoneAdmin;
  let idpCli: Record<string, string>;
  let spCli: Record<string, string>;
  /** `openstack` with the README's words (the first is `openstack`) as the admin of one cloud, in `cwd`. */
  const openstack = (words: string[], cliEnv: Record<string, string>, cwd = dir) => runCli(words[0], words.slice(1), cliEnv, cwd);

  before(async () => {
    env = realFederation();
    dir = mkdtempSync(join(tmpdir(), 'k2k-readme-'));
    store = createStore({ backend: 'memory' });
    [idpAdmin, spAdmin] = await Promise.all([
      KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin'),
      KeystoneAdmin.login(env.spAuthUrl, env.adminUser, env.adminPassword, 'admin'),
    ]);
    const adminCli = (authUrl: string) => ({
      HOME: dir,
      OS_AUTH_URL: authUrl,
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: env.adminUser,
      OS_PASSWORD: env.adminPassword,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_NAME: 'admin',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    });
    [idpCli, spCli] = [adminCli(env.idpAuthUrl), adminCli(env.spAuthUrl)];
  });

  after(async () => {
    // Whatever a step made, found by its scratch name (a step that failed half-way may have made it).
    const removals: Promise<unknown>[] = [];
    if (idpAdmin) {
      for (const id of await idsNamed(idpAdmin, '/OS-EP-FILTER/endpoint_groups', 'endpoint_groups', scratch)) removals.push(idpAdmin.call('DELETE', `/OS-EP-FILTER/endpoint_groups/${id}`));
      for (const id of await idsNamed(idpAdmin, `/users?name=${scratch}`, 'users', scratch)) removals.push(idpAdmin.call('DELETE', `/users/${id}`));
      removals.push(idpAdmin.undo());
    }
    if (spAdmin) {
      for (const id of await idsNamed(spAdmin, `/groups?name=${scratch}`, 'groups', scratch)) removals.push(spAdmin.call('DELETE', `/groups/${id}`));
      removals.push(spAdmin.call('DELETE', `/OS-FEDERATION/mappings/${scratch}`).catch((error: Error) => (error.message.includes(': 404 ') ? undefined : Promise.reject(error))));
    }
    const settled = await Promise.allSettled(removals);
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  });

  it("creates the endpoint group from the README's JSON filter file and adds a project to it with the stock CLI; the old `region_id=RegionOne` file fails", async () => {
    const create = command('openstack endpoint group create');
    const [name, file] = create.slice(-2);
    const add = command('openstack endpoint group add project');
    const project = add.at(-1) ?? '';
    const scratchProject = await idpAdmin.createProject(scratch, env.user);

    // The form the README had before: not JSON, refused by the CLI, nothing made.
    const oldDir = mkdtempSync(join(dir, 'old-'));
    writeFileSync(join(oldDir, file), 'region_id=RegionOne\n');
    const refused = await openstack(renamed(create, name, scratch), idpCli, oldDir);
    expect(refused.code, `${refused.command} with region_id=RegionOne`).to.not.equal(0);
    expect(refused.stderr).to.include(`reading filters from file ${file}`);
    expect(await idsNamed(idpAdmin, '/OS-EP-FILTER/endpoint_groups', 'endpoint_groups', scratch)).to.deep.equal([]);

    // The README's steps: the echo writes the file, the CLI reads it, the project is added.
    const writer = writerOf(file);
    expect(writer, `the README writes ${file}`).to.be.a('string');
    await ok(runCli('sh', ['-c', writer ?? ''], {}, dir));
    await ok(openstack(renamed(create, name, scratch), idpCli));
    await ok(openstack(renamed(renamed(add, name, scratch), project, scratch), idpCli));

    const [groupId] = await idsNamed(idpAdmin, '/OS-EP-FILTER/endpoint_groups', 'endpoint_groups', scratch);
    const { endpoint_group: group } = await idpAdmin.call<{ endpoint_group: { filters: Record<string, string> } }>('GET', `/OS-EP-FILTER/endpoint_groups/${groupId}`);
    const filters = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { region_id: string };
    expect(group.filters).to.deep.equal(filters);
    const { projects } = await idpAdmin.call<{ projects: { id: string }[] }>('GET', `/OS-EP-FILTER/endpoint_groups/${groupId}/projects`);
    expect(projects.map((entry) => entry.id)).to.deep.equal([scratchProject]);
    // "<project>'s tokens now list RegionOne alone"
    const token = await userToken(env, scratch);
    const answer = await fetch(`${env.idpAuthUrl}/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } });
    const { token: validated } = (await answer.json()) as { token: { catalog: { endpoints: { region_id: string }[] }[] } };
    const regions = new Set(validated.catalog.flatMap((service) => service.endpoints.map((endpoint) => endpoint.region_id)));
    expect([...regions]).to.deep.equal([filters.region_id]);
  });

  it("gives the service user the README's role: with member alone real Keystone refuses to validate a token (403) and the gateway answers 503; with the README's role, 200", async () => {
    const userCreate = command('openstack user create');
    const readmeUser = userCreate.at(-1) ?? '';
    const roleAdd = command('openstack role add');
    expect(option(roleAdd, '--user')).to.equal(readmeUser);
    const [project, role] = [option(roleAdd, '--project'), roleAdd.at(-1) ?? ''];
    // --password-prompt reads a terminal, which the test has not: the same password on the command line.
    await ok(openstack(renamed(userCreate, readmeUser, scratch).flatMap((word) => (word === '--password-prompt' ? ['--password', servicePassword] : [word])), idpCli));
    await ok(openstack([...renamed(roleAdd, readmeUser, scratch).slice(0, -1), 'member'], idpCli));

    const alice = await userToken(env);
    const validation = async () => {
      const serviceToken = await userToken(env, project, { name: scratch, password: servicePassword });
      const answer = await fetch(`${env.idpAuthUrl}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': serviceToken, 'x-subject-token': alice } });
      await answer.body?.cancel();
      return answer.status;
    };
    const real = realServices();
    const gatewayAnswer = async () => {
      const serviceUser = { serviceUser: scratch, servicePassword, serviceProject: project };
      const gateway = testGateway({ ...env, ...serviceUser, idpVolumeEndpoint: real.idpVolumeEndpoint }, store, { aggregate: false });
      try {
        return await request(gateway.app).get(`/volume/v3/${env.idpProjectId}/volumes`).set('x-auth-token', alice);
      } finally {
        await gateway.close();
      }
    };
    expect(await validation(), 'member alone').to.equal(403);
    const refused = await gatewayAnswer();
    expect(refused.status, refused.text).to.equal(503);

    await ok(openstack(renamed(roleAdd, readmeUser, scratch), idpCli));
    expect(await validation(), `the ${role} role`).to.equal(200);
    const served = await gatewayAnswer();
    expect(served.status, served.text).to.equal(200);
    expect(served.body).to.have.property('volumes');
  });

  it("creates the reseller group and sets the README's mapping rules at the real SP (scratch group and mapping); the live mapping has those rules", async () => {
    const groupCreate = command('openstack group create');
    const group = groupCreate.at(-1) ?? '';
    const mappingSet = command('openstack mapping set');
    const [rulesFile, mapping] = [option(mappingSet, '--rules'), mappingSet.at(-1) ?? ''];
    const rules = resellerMappingRules();
    expect(rules, "the rules name the README's group").to.include(`"${group}"`);

    await ok(openstack(renamed(groupCreate, group, scratch), spCli));
    const [groupId] = await idsNamed(spAdmin, `/groups?name=${scratch}`, 'groups', scratch);
    const { group: made } = await spAdmin.call<{ group: { domain_id: string } }>('GET', `/groups/${groupId}`);
    expect(made.domain_id).to.equal('default');

    // `mapping set` changes a mapping that exists (the IdP's, at a real SP): a scratch one stands in for it.
    await spAdmin.call('PUT', `/OS-FEDERATION/mappings/${scratch}`, { mapping: { rules: [{ local: [{ user: { name: '{0}' } }], remote: [{ type: 'openstack_user' }] }] } });
    const scratchRules = rules.replaceAll(`"${group}"`, `"${scratch}"`);
    writeFileSync(join(dir, rulesFile), scratchRules);
    await ok(openstack(renamed(mappingSet, mapping, scratch), spCli));
    const { mapping: set } = await spAdmin.call<{ mapping: { rules: unknown } }>('GET', `/OS-FEDERATION/mappings/${scratch}`);
    expect(set.rules).to.deep.equal(JSON.parse(scratchRules));

    // What reseller.py set on the live mapping, which reseller.test.ts shows putting k2k in the group
    // (and one rule more: IdP admins in federated_admins, for Tempest's admin accounts at the SP).
    const { mapping: live } = await spAdmin.call<{ mapping: { rules: unknown[] } }>('GET', `/OS-FEDERATION/mappings/${mapping}`);
    expect(live.rules).to.deep.include.members(JSON.parse(rules) as unknown[]);
  });

  it('answers a reseller customer before the first sync with the status and message the README quotes', async () => {
    const quoted = /until it has, a customer's request to sp1 gets (\d{3}), naming the pseudonymous project: `([^`]+)`/.exec(PROSE);
    expect(quoted, 'step 3 quotes the answer before the first sync').to.not.equal(null);
    const [, status, message] = quoted ?? [];
    // A secret of the run's own: its pseudonymous project exists nowhere (no sync made it).
    const secret = `${scratch}-reseller-secret`;
    const gateway = testGateway(env, store, { identity: { [env.spId]: 'reseller' }, reseller: { secret } });
    try {
      const answer = await request(gateway.app).get(`/volume/v3/${env.idpProjectId}/volumes`).set({ 'x-auth-token': await userToken(env), 'SERVICE-PROVIDER': env.spId });
      expect(answer.status, answer.text).to.equal(Number(status));
      expect(answer.body.error.message).to.equal(message.replace('<pseudonym>', projectPseudonym(secret, env.idpProjectId)));
    } finally {
      await gateway.close();
    }
  });
});
