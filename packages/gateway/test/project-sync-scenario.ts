/**
 * Project sync's scenario, written once and run against both Keystones: the simulator in the fast
 * suite (project-sync.test.ts, sync rounds in-process) and the real pair in the real-Keystone suite
 * (test/keystone/project-sync.test.ts, `k2k-gateway sync` as processes). It only uses what
 * FederationEnv says, a memcached of its own, and tags and names of its own, removed again. An IdP
 * project in each scope (an anchor) stays mirrored throughout, so no scope is ever empty: a round
 * refuses to delete mirrors when it is.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudonymousProjectName } from '@k2k/k2k-forward';
import { KeystoneClient, type KeystoneProject, type ProjectAdmin } from '@k2k/keystone';
import { startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import type { ProjectEvent } from '../src/sync/sync-events.js';

/** How a run ends: the exit code `k2k-gateway sync` would have, and what it printed. */
export interface SyncRun {
  code: number;
  lines: string[];
}

export interface ProjectSyncHooks {
  /** One `k2k-gateway sync` with `flags` (`--once`, `--dry-run`) on this raw config */
  runSync(config: object, flags: string[]): Promise<SyncRun>;
  /** `k2k-gateway sync` polling until `stop()`, which resolves with its exit code */
  startPolling(config: object): Promise<{ stop(): Promise<number> }>;
  /** The group the SP maps the gateway's service user to, with no role of its own */
  resellerGroup: string;
  /** Sets the IdP's list_limit for project lists (undefined: none), where the Keystone can be told at once (the simulator) */
  limitIdpProjectList?(limit: number | undefined): void;
}

const RESELLER_SECRET = 'k2k-sync-scenario-reseller-secret';

export function defineProjectSyncScenario(getEnv: () => FederationEnv, hooks: ProjectSyncHooks): void {
  const suffix = randomBytes(4).toString('hex');
  /** IdP projects in scope carry this tag; the SP's mirrors of each part carry a tag of their own */
  const scopeTag = `k2k-sync-test-${suffix}`;
  const spTags = { user: `k2k-sync-u-${suffix}`, disable: `k2k-sync-d-${suffix}`, reseller: `k2k-sync-r-${suffix}` };
  /** The scope of the on_delete: disable mirrors: the SP's domain takes a name once, so each IdP project is mirrored by one user-mode tag */
  const disableScopeTag = `k2k-sync-test-d-${suffix}`;
  const disabling = { onDelete: 'disable', scopeTag: disableScopeTag };
  let env: FederationEnv;
  let memcached: MemcachedServer;
  let idpClient: KeystoneClient;
  let spClient: KeystoneClient;
  let idp: ProjectAdmin;
  let sp: ProjectAdmin;
  let folder: string;
  let eventsFile: string;
  let anchors: KeystoneProject[];

  const adminAuth = () => ({ username: env.adminUser, password: env.adminPassword, project_name: 'admin' });
  const config = (spTag: string, extra: { onDelete?: string; reseller?: boolean; scopeTag?: string } = {}) => ({
    listen: { host: '127.0.0.1', port: 0 },
    keystone: {
      auth_url: env.idpAuthUrl,
      service_auth: { username: env.serviceUser, password: env.servicePassword, project_name: env.serviceProject },
      admin_auth: adminAuth(),
    },
    local: { endpoints: { volumev3: env.idpVolumeEndpoint } },
    mounts: { '/volume': 'volumev3' },
    store: { backend: 'memcached', servers: [memcached.location], secret_key: 'k2k-sync-scenario-store-secret' },
    service_provider_settings: {
      [env.spId]: extra.reseller
        ? { identity: 'reseller', admin_auth: adminAuth(), grant: { group_name: hooks.resellerGroup, role: 'member' } }
        : { admin_auth: adminAuth() },
    },
    ...(extra.reseller && { reseller: { secret: RESELLER_SECRET } }),
    sync: { scope: { tag: extra.scopeTag ?? scopeTag }, sp_tag: spTag, on_delete: extra.onDelete ?? 'delete', interval_seconds: 1, events: { file: eventsFile } },
  });
  const login = async (client: KeystoneClient) =>
    client.projectAdmin((await client.authenticate({ user: { name: env.adminUser, domain: { name: 'Default' } }, password: env.adminPassword }, { project: { name: 'admin', domain: { name: 'Default' } } })).id);
  const idpProject = (name: string, tag = scopeTag) => idp.createProject({ name, domainId: 'default', description: `${name} described`, enabled: true, tags: [tag] });
  const allMirrors = async (spTag: string) => (await sp.listProjects({ tags: [spTag] })).projects;
  /** The mirrors at `spTag` but the anchors' */
  const mirrors = async (spTag: string) =>
    (await allMirrors(spTag)).filter((mirror) => !anchors.some((anchor) => mirror.name === anchor.name || mirror.name === pseudonymousProjectName(RESELLER_SECRET, anchor.id)));
  const events = (): ProjectEvent[] =>
    existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ProjectEvent) : [];
  const syncOnce = async (spTag: string, extra: Parameters<typeof config>[1] = {}, flags = ['--once']): Promise<SyncRun> => {
    const run = await hooks.runSync(config(spTag, extra), flags);
    expect(run.code, run.lines.join('\n')).to.equal(0);
    return run;
  };
  /** Runs once more and checks it changes nothing and emits nothing. */
  const expectIdempotent = async (spTag: string, extra: Parameters<typeof config>[1] = {}) => {
    const before = events().length;
    const again = await syncOnce(spTag, extra);
    expect(again.lines).to.deep.equal([`${env.spId}: nothing to change`]);
    expect(events()).to.have.length(before);
  };
  const only = (list: KeystoneProject[]): KeystoneProject => {
    expect(list).to.have.length(1);
    return list[0];
  };

  before(async () => {
    env = getEnv();
    memcached = await startMemcached();
    idpClient = new KeystoneClient({ authUrl: env.idpAuthUrl });
    spClient = new KeystoneClient({ authUrl: env.spAuthUrl });
    [idp, sp] = await Promise.all([login(idpClient), login(spClient)]);
    folder = mkdtempSync(join(tmpdir(), 'k2k-sync-'));
    eventsFile = join(folder, 'anchor-events.jsonl');
    anchors = [await idpProject(`k2k-sync-${suffix}-anchor`), await idpProject(`k2k-sync-${suffix}-anchor-d`, disableScopeTag)];
    await syncOnce(spTags.user);
    await syncOnce(spTags.disable, disabling);
    await syncOnce(spTags.reseller, { reseller: true });
  });

  beforeEach(() => {
    eventsFile = join(folder, `events-${randomBytes(4).toString('hex')}.jsonl`);
  });

  after(async () => {
    // whatever a failed test left behind, at both ends
    for (const tag of [scopeTag, disableScopeTag]) for (const project of (await idp.listProjects({ tags: [tag] })).projects) await idp.deleteProject(project.id);
    for (const tag of Object.values(spTags)) for (const project of await allMirrors(tag)) await sp.deleteProject(project.id);
    await Promise.all([idpClient.close(), spClient.close(), memcached.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('mirrors a create, a rename, a disable and a delete, each in one round with one CADF event; a second round changes nothing', async () => {
    const tag = spTags.user;
    const source = await idpProject(`k2k-sync-${suffix}-a`);
    await syncOnce(tag);
    const mirror = only(await mirrors(tag));
    expect(mirror).to.deep.include({ name: source.name, description: source.description, enabled: true, domainId: 'default' });
    expect(mirror.tags).to.have.members([tag, `${tag}:${source.id}`]);
    expect(mirror.id).to.not.equal(source.id);
    const [created] = events();
    expect(events()).to.have.length(1);
    expect(created.event_type).to.equal('identity.project.created');
    expect(created.payload).to.deep.include({ typeURI: 'http://schemas.dmtf.org/cloud/audit/1.0/event', eventType: 'activity', action: 'created.project', outcome: 'success' });
    expect(created.payload.initiator).to.deep.include({ typeURI: 'service', id: 'k2k-gateway-sync' });
    expect(created.payload.target).to.deep.equal({ typeURI: 'data/security/project', id: mirror.id, name: source.name });
    expect(created.payload.observer).to.deep.equal({ typeURI: 'service/security', id: env.spId });
    await expectIdempotent(tag);

    await idp.updateProject(source.id, { name: `k2k-sync-${suffix}-b`, description: 'renamed' });
    await syncOnce(tag);
    expect(only(await mirrors(tag))).to.deep.include({ id: mirror.id, name: `k2k-sync-${suffix}-b`, description: 'renamed', enabled: true });
    expect(events().map((event) => event.event_type)).to.deep.equal(['identity.project.created', 'identity.project.updated']);
    await expectIdempotent(tag);

    await idp.updateProject(source.id, { enabled: false });
    await syncOnce(tag);
    expect(only(await mirrors(tag))).to.deep.include({ id: mirror.id, enabled: false });
    expect(events()).to.have.length(3);
    expect(events()[2].payload.attachments).to.deep.equal([
      { name: 'k2k-sync', typeURI: 'mime:application/json', content: { service_provider: env.spId, link_tag: `${tag}:${source.id}`, idp_project_id: source.id, changes: { enabled: false } } },
    ]);
    await expectIdempotent(tag);

    await idp.deleteProject(source.id);
    await syncOnce(tag);
    expect(await mirrors(tag)).to.deep.equal([]);
    expect(events().map((event) => event.event_type)).to.deep.equal(['identity.project.created', 'identity.project.updated', 'identity.project.updated', 'identity.project.deleted']);
    expect(events()[3].payload.target).to.deep.include({ id: mirror.id });
    await expectIdempotent(tag);
    // No credential in what the events say.
    expect(readFileSync(eventsFile, 'utf8')).to.not.include(env.adminPassword);
  });

  it('leaves projects out of scope alone, and in a dry run says what it would do and changes nothing', async () => {
    const tag = spTags.user;
    const outside = await idp.createProject({ name: `k2k-sync-${suffix}-out`, domainId: 'default', description: '', enabled: true, tags: [] });
    try {
      const source = await idpProject(`k2k-sync-${suffix}-dry`);
      const run = await syncOnce(tag, {}, ['--dry-run']);
      expect(run.lines).to.deep.equal([`${env.spId}: create project ${source.name} (IdP project ${source.id})`, '(a dry run: nothing changed)']);
      expect(await mirrors(tag)).to.deep.equal([]);
      expect(events()).to.deep.equal([]);
      await idp.deleteProject(source.id);
    } finally {
      await idp.deleteProject(outside.id);
    }
  });

  it('with on_delete: disable, disables the mirror of a deleted project and keeps it', async () => {
    const tag = spTags.disable;
    const source = await idpProject(`k2k-sync-${suffix}-keep`, disableScopeTag);
    await syncOnce(tag, disabling);
    await idp.deleteProject(source.id);
    await syncOnce(tag, disabling);
    expect(only(await mirrors(tag))).to.deep.include({ name: source.name, enabled: false });
    expect(events().map((event) => event.event_type)).to.deep.equal(['identity.project.created', 'identity.project.updated']);
    await expectIdempotent(tag, disabling);
  });

  it('two syncs at once, sharing memcached, make each change once', async () => {
    const tag = spTags.user;
    const sources = await Promise.all([1, 2, 3].map((n) => idpProject(`k2k-sync-${suffix}-twice-${n}`)));
    const runs = await Promise.all([hooks.runSync(config(tag), ['--once']), hooks.runSync(config(tag), ['--once'])]);
    expect(runs.map((run) => run.code)).to.deep.equal([0, 0]);
    expect((await mirrors(tag)).map((mirror) => mirror.name)).to.have.members(sources.map((source) => source.name));
    expect(events().map((event) => event.event_type)).to.deep.equal(Array(3).fill('identity.project.created'));
    await Promise.all(sources.map((source) => idp.deleteProject(source.id)));
    await Promise.all([hooks.runSync(config(tag), ['--once']), hooks.runSync(config(tag), ['--once'])]);
    expect(await mirrors(tag)).to.deep.equal([]);
    expect(events().filter((event) => event.event_type === 'identity.project.deleted')).to.have.length(3);
  });

  it('polling: mirrors a new project in the next round, and stops on a signal', async () => {
    const tag = spTags.user;
    const polling = await hooks.startPolling(config(tag));
    let code: number | undefined;
    try {
      const source = await idpProject(`k2k-sync-${suffix}-polled`);
      await until(async () => (await mirrors(tag)).some((mirror) => mirror.name === source.name));
      await idp.deleteProject(source.id);
      await until(async () => (await mirrors(tag)).length === 0);
    } finally {
      code = await polling.stop();
    }
    expect(code).to.equal(0);
    expect(events().map((event) => event.event_type)).to.deep.equal(['identity.project.created', 'identity.project.deleted']);
  });

  it('refuses to delete mirrors when the IdP lists no project in scope (a misspelt tag), and says why (exit 1)', async () => {
    const tag = spTags.user;
    const source = await idpProject(`k2k-sync-${suffix}-kept`);
    await syncOnce(tag);
    const kept = await allMirrors(tag);
    expect(kept.length).to.be.at.least(2);
    const run = await hooks.runSync(config(tag, { scopeTag: `${scopeTag}-misspelt` }), ['--once']);
    expect(run.code, run.lines.join('\n')).to.equal(1);
    expect(run.lines).to.deep.equal([
      `${env.spId}: refused to delete or disable ${kept.length} mirror(s): the IdP lists no project in sync.scope (a misspelt scope, or an admin_auth that may not list projects?)`,
    ]);
    expect(await allMirrors(tag)).to.have.deep.members(kept);
    expect(events().map((event) => event.event_type)).to.deep.equal(['identity.project.created']);
    await idp.deleteProject(source.id);
    await syncOnce(tag);
    expect(await mirrors(tag)).to.deep.equal([]);
  });

  if (hooks.limitIdpProjectList) {
    const limitIdpProjectList = hooks.limitIdpProjectList;
    it("with the IdP's list truncated (list_limit), still updates what it lists but deletes no mirror, and says why (exit 1)", async () => {
      const tag = spTags.user;
      const [first, second] = [await idpProject(`k2k-sync-${suffix}-cut-1`), await idpProject(`k2k-sync-${suffix}-cut-2`)];
      await syncOnce(tag);
      const secondMirror = only((await mirrors(tag)).filter((mirror) => mirror.name === second.name));
      // The anchor and the first project fit the limit: the second looks gone.
      limitIdpProjectList(2);
      try {
        await idp.updateProject(first.id, { name: `k2k-sync-${suffix}-cut-1b` });
        const run = await hooks.runSync(config(tag), ['--once']);
        expect(run.code, run.lines.join('\n')).to.equal(1);
        expect(run.lines[0]).to.equal(
          `${env.spId}: refused to delete or disable 1 mirror(s): the IdP's list of projects in sync.scope is truncated (its Keystone's list_limit): raise list_limit at the IdP`,
        );
        expect(run.lines.slice(1)).to.have.length(1);
        expect(run.lines[1]).to.match(new RegExp(`^${env.spId}: update project k2k-sync-${suffix}-cut-1 \\(.+\\): name "k2k-sync-${suffix}-cut-1b"$`));
        expect((await mirrors(tag)).map((mirror) => mirror.name)).to.have.members([`k2k-sync-${suffix}-cut-1b`, second.name]);
        expect(only((await mirrors(tag)).filter((mirror) => mirror.name === second.name))).to.deep.equal(secondMirror);
      } finally {
        limitIdpProjectList(undefined);
      }
      await Promise.all([first, second].map((source) => idp.deleteProject(source.id)));
      await syncOnce(tag);
      expect(await mirrors(tag)).to.deep.equal([]);
    });
  }

  it('at a reseller SP, provisions the pseudonymous project and grants the reseller group its role there', async () => {
    const tag = spTags.reseller;
    const source = await idpProject(`k2k-sync-${suffix}-customer`);
    const run = await syncOnce(tag, { reseller: true });
    const mirror = only(await mirrors(tag));
    const pseudonym = pseudonymousProjectName(RESELLER_SECRET, source.id);
    expect(mirror).to.deep.include({ name: pseudonym, description: '', enabled: true });
    expect(mirror.tags).to.have.members([tag, `${tag}:${pseudonym.slice('k2k-'.length)}`]);
    // Nothing at the SP names the IdP project.
    expect(JSON.stringify(mirror)).to.not.include(source.id).and.not.include(source.name);
    expect(run.lines).to.have.length(1);
    const [groupId, roleId] = [await sp.groupId(hooks.resellerGroup, 'default'), await sp.roleId('member')];
    expect((await sp.groupGrants(groupId ?? '', roleId ?? '')).map((grant) => grant.projectId)).to.include(mirror.id);
    await expectIdempotent(tag, { reseller: true });
    await idp.updateProject(source.id, { name: `k2k-sync-${suffix}-renamed` });
    await expectIdempotent(tag, { reseller: true });
    await idp.deleteProject(source.id);
    await syncOnce(tag, { reseller: true });
    expect(await mirrors(tag)).to.deep.equal([]);
  });
}

/** Polls `check` every 100 ms until it holds; fails after 30 s (a generous bound, not a measurement). */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within 30 s: ${check.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
