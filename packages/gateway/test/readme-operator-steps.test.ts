import { expect } from 'chai';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { projectPseudonym, pseudonymousProjectName } from '@k2k/k2k-forward';
import { SEED, startFederation, type Federation } from '@k2k/testing';
import { parseConfig } from '../src/config/config.js';
import { createGateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import { runSyncCommand } from '../src/sync/sync-command.js';
import { linkTag } from '../src/sync/sync-plan.js';
import { configFor } from './fixtures.js';
import { codeBlocks, command, option, PROSE, resellerMappingRules, writerOf } from './gateway-readme.js';

const ADMIN = { username: SEED.admin.name, password: SEED.admin.password, project_name: 'admin' };

/**
 * The gateway README's operator steps, run where the simulated federation can run them (the
 * service user's role, the reseller steps, sync) and checked against the code where they are
 * data (the config snippets, the endpoint group's filters, the link tag's format). What only a
 * real Keystone can show (the CLI reading the filter file) is the real-services suite's.
 */
describe("the gateway README's operator steps", function () {
  this.timeout(20_000);
  let federation: Federation;
  const logger = createLogger('silent');

  before(async () => {
    federation = await startFederation({ serviceProviders: ['sp1'] });
  });

  after(() => federation.close());

  it('shows config snippets that the gateway accepts (each over the minimal config)', () => {
    const snippets = codeBlocks('yaml').map((text) => parseYaml(text) as Record<string, unknown>);
    const minimal = snippets.find((snippet) => 'keystone' in snippet && 'mounts' in snippet);
    expect(minimal, 'the minimal config').to.not.equal(undefined);
    expect(snippets.length).to.be.above(3);
    for (const snippet of snippets) {
      expect(() => parseConfig({ ...minimal, ...snippet }), JSON.stringify(snippet)).to.not.throw();
    }
  });

  it("gives the endpoint group's filters as the JSON file `openstack endpoint group create` reads, with Keystone's filter keys", () => {
    const file = command('openstack endpoint group create').at(-1) ?? '';
    const written = writerOf(file);
    const content = written && /^echo '(.*)' >/.exec(written)?.[1];
    expect(content, `the README writes ${file}`).to.be.a('string');
    const filters = JSON.parse(content ?? '') as Record<string, unknown>;
    expect(filters).to.deep.equal({ region_id: 'RegionOne' });
    expect(Object.keys(filters).every((key) => ['interface', 'region_id', 'service_id'].includes(key))).to.equal(true);
  });

  it('grants the service user the role that lets the gateway validate tokens; with member alone every caller gets 503', async () => {
    const words = command('openstack role add');
    const [role, project] = [words.at(-1) ?? '', option(words, '--project')];
    const idp = federation.idp.directory;
    const serviceProject = idp.project({ name: project, domain: { id: 'default' } });
    expect(serviceProject, `project ${project} at the IdP`).to.not.equal(undefined);
    const answerWith = async (username: string, roleName: string) => {
      const user = idp.addUser(username, 'readme-secret');
      idp.grant(roleName, user.id, serviceProject?.id ?? '');
      const gateway = createGateway(configFor(federation, { keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username, password: 'readme-secret', project_name: project } } }), logger);
      try {
        const answer = await request(gateway.app).get(`/volume/v3/${federation.env.idpProjectId}/volumes`).set('x-auth-token', federation.idp.issueToken('alice', 'demo'));
        return answer.status;
      } finally {
        await gateway.close();
      }
    };
    expect(await answerWith('readme-service-user', role)).to.equal(200);
    expect(await answerWith('readme-member-user', 'member')).to.equal(503);
  });

  it('runs the reseller steps: the group the README creates at the SP, 403 before the first sync as the README quotes it, the link tag as it says', async () => {
    // Step 1: one group name in the SP command, the mapping rules and the grant (the simulated SP has it).
    const group = command('openstack group create').at(-1);
    const rules = JSON.parse(resellerMappingRules()) as { local: { group: { name: string } }[]; remote: { any_one_of?: string[] }[] }[];
    const resellerRule = rules.find((rule) => rule.remote.some((remote) => remote.any_one_of?.includes(SEED.service.name)));
    const snippet = codeBlocks('yaml')
      .map((text) => parseYaml(text) as Record<string, unknown>)
      .find((parsed) => 'reseller' in parsed) as { service_provider_settings: { sp1: Record<string, unknown> & { grant: { group_name: string } } } } & Record<string, unknown>;
    expect([resellerRule?.local[0].group.name, snippet.service_provider_settings.sp1.grant.group_name]).to.deep.equal([group, group]);
    expect(group).to.equal(SEED.resellerGroup);

    // Step 2: the README's config at the simulated federation (its SP admin's password filled in).
    snippet.service_provider_settings.sp1 = { ...snippet.service_provider_settings.sp1, admin_auth: ADMIN };
    const config = configFor(federation, { ...snippet, keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' }, admin_auth: ADMIN } });
    const secret = config.reseller?.secret ?? '';
    const pseudonym = projectPseudonym(secret, federation.env.idpProjectId);
    const volumes = `/volume/v3/${federation.env.idpProjectId}/volumes`;
    const gateway = createGateway(config, logger);
    try {
      // Before the first sync: the status and message the README quotes.
      const quoted = /until it has, a customer's request to sp1 gets (\d{3}), naming the pseudonymous project: `([^`]+)`/.exec(PROSE);
      expect(quoted, 'step 3 quotes the answer before the first sync').to.not.equal(null);
      const before = await request(gateway.app).get(volumes).set('x-auth-token', federation.idp.issueToken('alice', 'demo')).set('SERVICE-PROVIDER', 'sp1');
      expect(before.status).to.equal(Number(quoted?.[1]));
      expect(before.body.error.message).to.equal(quoted?.[2].replace('<pseudonym>', pseudonym));

      // Step 3: sync; then the customer reaches sp1.
      const lines: string[] = [];
      const report = await runSyncCommand(config, { once: true, dryRun: false }, (line) => lines.push(line), logger);
      expect(report.failures, lines.join('\n')).to.equal(0);
      await request(gateway.app).get(volumes).set('x-auth-token', federation.idp.issueToken('alice', 'demo')).set('SERVICE-PROVIDER', 'sp1').expect(200);
    } finally {
      await gateway.close();
    }

    // The link tag sync wrote is the README's `<sp_tag>:<pseudonym>`, the 32 hex digits after `k2k-`.
    const spTag = config.sync?.spTag ?? '';
    const mirror = federation.sp('sp1').directory.project({ name: pseudonymousProjectName(secret, federation.env.idpProjectId), domain: { id: 'default' } });
    expect(mirror?.tags).to.have.members([spTag, `${spTag}:${pseudonym}`]);
    // The README's worked example, computed by the code.
    const example = /with `reseller.secret` `([^`]+)`, the IdP project `([0-9a-f]+)` is `([^`]+)` at a reseller SP, tagged `([^`]+)` and `([^`]+)`/.exec(PROSE);
    expect(example, 'the worked example of a pseudonym').to.not.equal(null);
    const [, exampleSecret, exampleProject, exampleName, exampleSpTag, exampleLinkTag] = example ?? [];
    expect(exampleSpTag).to.equal(spTag); // the default sp_tag
    expect(exampleName).to.equal(pseudonymousProjectName(exampleSecret, exampleProject));
    expect(exampleLinkTag).to.equal(linkTag(spTag, projectPseudonym(exampleSecret, exampleProject)));
  });
});
