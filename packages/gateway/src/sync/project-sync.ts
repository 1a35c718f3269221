import { OptionError, type ServiceProvider } from '@k2k/common';
import { pseudonymousProjectName, projectPseudonym } from '@k2k/k2k-forward';
import { KeystoneClient, serviceProviderKeystoneUrl, type KeystoneProject, type ProjectAdmin, type ProjectList } from '@k2k/keystone';
import { logIn } from '@k2k/keystone-auth';
import type { Store } from '@k2k/store';
import type { GatewayConfig } from '../config/config.js';
import type { ResellerConfig, ServiceProviderSettings } from '../config/provider-settings.js';
import type { SyncConfig } from '../config/sync-config.js';
import { projectEvent, type EventSink, type ProjectChange } from './sync-events.js';
import { SyncLease } from './sync-lease.js';
import { linkTag, planSync, type SyncStep, type WantedMirror } from './sync-plan.js';

/** How one round ended. */
export interface SyncReport {
  /** Changes made (or, in a dry run, that would be) */
  changes: number;
  /** Steps or service providers that failed; the others went on */
  failures: number;
  /** Another host held the lease: nothing was done */
  skipped: boolean;
}

/** A service provider the sync acts at, with its settings. */
interface SyncTarget {
  id: string;
  settings: ServiceProviderSettings & { adminAuth: NonNullable<ServiceProviderSettings['adminAuth']> };
}

/**
 * `k2k-gateway sync` (DESIGN.md "Project sync"): keeps, at every service provider that has an
 * `admin_auth`, a project mirroring each IdP project in `sync.scope`, linked by the tag
 * `<sp_tag>:<IdP project id>` (reseller SPs: `k2k-<pseudonym>` projects linked by the pseudonym,
 * their group granted its role). A round changes only what differs, so a second one changes
 * nothing; it runs under a lease in the store, so one host at a time does. Each change is written
 * to `out` and, unless a dry run, made and reported as a CADF event.
 */
export class ProjectSync {
  private readonly sync: SyncConfig;
  private readonly targets: SyncTarget[];
  private readonly lease: SyncLease;

  constructor(
    private readonly config: GatewayConfig,
    store: Store,
    private readonly sink: EventSink,
    private readonly out: (line: string) => void,
  ) {
    if (!config.sync) throw new OptionError('sync', 'required by k2k-gateway sync: {scope: {domain_name or tag}, ...}');
    this.sync = config.sync;
    this.targets = syncTargets(config);
    this.lease = new SyncLease(store, this.sync.leaseSeconds);
  }

  async round(dryRun: boolean): Promise<SyncReport> {
    // A dry run changes nothing, so it needs no lease.
    if (!dryRun && !(await this.lease.acquire())) {
      this.out('another host is syncing (the lease is taken): nothing done');
      return { changes: 0, failures: 0, skipped: true };
    }
    const report: SyncReport = { changes: 0, failures: 0, skipped: false };
    const idp = new KeystoneClient({ authUrl: this.config.keystone.authUrl, timeoutMs: this.config.upstream.keystoneTimeoutMs, ...(this.config.ca && { ca: this.config.ca }) });
    try {
      const token = await logIn(idp, this.config.keystone.adminAuth ?? this.config.keystone.serviceAuth);
      const sources = await this.sources(idp.projectAdmin(token.id));
      for (const target of this.targets) {
        const sp = token.serviceProviders.find((candidate) => candidate.id === target.id);
        try {
          if (!sp) throw new Error('the IdP lists no such service provider');
          await this.syncProvider(idp, sp, target.settings, sources, dryRun, report);
        } catch (error) {
          report.failures++;
          this.out(`${target.id}: failed: ${(error as Error).message}`);
        }
      }
    } finally {
      await idp.close();
      if (!dryRun) await this.lease.release();
    }
    if (dryRun && report.changes > 0) this.out('(a dry run: nothing changed)');
    return report;
  }

  /** The IdP projects in scope. */
  private async sources(admin: ProjectAdmin): Promise<ProjectList> {
    const { scope } = this.sync;
    if ('tag' in scope) return admin.listProjects({ tags: [scope.tag] });
    const domainId = await admin.domainId(scope.domainName);
    if (!domainId) throw new Error(`the IdP has no domain ${scope.domainName} (sync.scope.domain_name)`);
    return admin.listProjects({ domainId });
  }

  private async syncProvider(idp: KeystoneClient, sp: ServiceProvider, settings: SyncTarget['settings'], sources: ProjectList, dryRun: boolean, report: SyncReport): Promise<void> {
    // The SP admin's password and token go to the SP's own Keystone only.
    const keystone = idp.clientFor(serviceProviderKeystoneUrl(sp));
    const admin = keystone.projectAdmin((await logIn(keystone, settings.adminAuth)).id);
    const reseller = settings.identity === 'reseller' ? this.config.reseller : undefined;
    const domainName = reseller ? reseller.projectDomainName : settings.projectDomainName;
    const domainId = await admin.domainId(domainName);
    if (!domainId) throw new Error(`no domain ${domainName} there`);
    const grant = settings.grant && (await grantIds(admin, settings.grant));
    const [mirrors, granted] = await Promise.all([
      admin.listProjects({ domainId, tags: [this.sync.spTag] }),
      grant ? admin.groupGrants(grant.groupId, grant.roleId).then((grants) => new Set(grants.map((g) => g.projectId))) : undefined,
    ]);
    const wanted = sources.projects.map((source) => mirrorOf(source, reseller));
    const planned = planSync(wanted, mirrors.projects, this.sync.spTag, this.sync.onDelete, granted);
    const why = removalRefusal(sources, mirrors.projects.length);
    const steps = why ? planned.filter((step) => step.kind !== 'delete' && step.kind !== 'disable') : planned;
    if (steps.length < planned.length) {
      report.failures++;
      this.out(`${sp.id}: refused to delete or disable ${planned.length - steps.length} mirror(s): ${why}`);
    }
    for (const step of steps) {
      try {
        const change = dryRun ? undefined : await this.apply(admin, step, domainId, grant);
        report.changes++;
        this.out(`${sp.id}: ${describe(step)}`);
        if (change) await this.report({ ...change, serviceProvider: sp.id }, report);
      } catch (error) {
        report.failures++;
        this.out(`${sp.id}: ${describe(step)}: failed: ${(error as Error).message}`);
      }
    }
    if (planned.length === 0) this.out(`${sp.id}: nothing to change`);
  }

  /** Makes one step; returns the change to report (a grant alone is none). */
  private async apply(admin: ProjectAdmin, step: SyncStep, domainId: string, grant: GrantIds | undefined): Promise<Omit<ProjectChange, 'serviceProvider'> | undefined> {
    switch (step.kind) {
      case 'create': {
        const { wanted } = step;
        const tags = [this.sync.spTag, this.linkTag(wanted.link)];
        const project = await admin.createProject({ name: wanted.name, domainId, description: wanted.description, enabled: wanted.enabled, tags });
        if (grant) await admin.grantGroupRole({ ...grant, projectId: project.id });
        return { action: 'created', projectId: project.id, projectName: project.name, linkTag: tags[1], sourceId: wanted.sourceId };
      }
      case 'update':
        await admin.updateProject(step.mirror.id, step.changes);
        return { action: 'updated', projectId: step.mirror.id, projectName: step.wanted.name, linkTag: this.linkTag(step.wanted.link), sourceId: step.wanted.sourceId, changes: step.changes };
      case 'grant':
        if (grant) await admin.grantGroupRole({ ...grant, projectId: step.mirror.id });
        return undefined;
      case 'delete':
        await admin.deleteProject(step.mirror.id);
        return { action: 'deleted', projectId: step.mirror.id, projectName: step.mirror.name, linkTag: this.linkTag(step.link) };
      case 'disable':
        await admin.updateProject(step.mirror.id, { enabled: false });
        return { action: 'updated', projectId: step.mirror.id, projectName: step.mirror.name, linkTag: this.linkTag(step.link), changes: { enabled: false } };
    }
  }

  private linkTag(link: string): string {
    return linkTag(this.sync.spTag, link);
  }

  private async report(change: ProjectChange, report: SyncReport): Promise<void> {
    try {
      await this.sink(projectEvent(change));
    } catch (error) {
      report.failures++;
      this.out(`${change.serviceProvider}: the event of ${change.action} project ${change.projectId} was not delivered: ${(error as Error).message}`);
    }
  }
}

interface GrantIds {
  groupId: string;
  roleId: string;
}

/** The service providers sync acts at: those with an admin_auth; a reseller SP must have one. */
function syncTargets(config: GatewayConfig): SyncTarget[] {
  const targets: SyncTarget[] = [];
  for (const [id, settings] of Object.entries(config.serviceProviderSettings)) {
    const { adminAuth } = settings;
    if (adminAuth) targets.push({ id, settings: { ...settings, adminAuth } });
    else if (settings.identity === 'reseller') throw new OptionError(`service_provider_settings.${id}.admin_auth`, 'required by sync at a reseller SP: its pseudonymous projects are made there');
  }
  if (targets.length === 0) throw new OptionError('service_provider_settings', 'sync needs an admin_auth for at least one service provider');
  return targets;
}

async function grantIds(admin: ProjectAdmin, grant: NonNullable<ServiceProviderSettings['grant']>): Promise<GrantIds> {
  const groupDomainId = await admin.domainId(grant.groupDomainName);
  const [groupId, roleId] = await Promise.all([groupDomainId ? admin.groupId(grant.groupName, groupDomainId) : undefined, admin.roleId(grant.role)]);
  if (!groupId) throw new Error(`no group ${grant.groupName} in domain ${grant.groupDomainName} there`);
  if (!roleId) throw new Error(`no role ${grant.role} there`);
  return { groupId, roleId };
}

/**
 * Why no mirror may be deleted or disabled this round, if so: the IdP's list does not show which
 * projects are gone when Keystone cut it at its list_limit, nor when it is empty while mirrors
 * exist (a misspelt scope, or an admin who may not list projects, would look like every project gone).
 */
function removalRefusal(sources: ProjectList, mirrorCount: number): string | undefined {
  if (sources.truncated) return "the IdP's list of projects in sync.scope is truncated (its Keystone's list_limit): raise list_limit at the IdP";
  if (sources.projects.length === 0 && mirrorCount > 0) return 'the IdP lists no project in sync.scope (a misspelt scope, or an admin_auth that may not list projects?)';
  return undefined;
}

/** The mirror of an IdP project: the same, or at a reseller SP a pseudonym that tells nothing of it but whether it is enabled. */
function mirrorOf(source: KeystoneProject, reseller: ResellerConfig | undefined): WantedMirror {
  if (!reseller) return { sourceId: source.id, link: source.id, name: source.name, description: source.description, enabled: source.enabled };
  return { sourceId: source.id, link: projectPseudonym(reseller.secret, source.id), name: pseudonymousProjectName(reseller.secret, source.id), description: '', enabled: source.enabled };
}

function describe(step: SyncStep): string {
  switch (step.kind) {
    case 'create':
      return `create project ${step.wanted.name} (IdP project ${step.wanted.sourceId})`;
    case 'update':
      return `update project ${step.mirror.name} (${step.mirror.id}): ${Object.entries(step.changes).map(([key, value]) => `${key} ${JSON.stringify(value)}`).join(', ')}`;
    case 'grant':
      return `grant the group its role on project ${step.mirror.name} (${step.mirror.id})`;
    case 'delete':
      return `delete project ${step.mirror.name} (${step.mirror.id}), gone from the IdP`;
    case 'disable':
      return `disable project ${step.mirror.name} (${step.mirror.id}), gone from the IdP`;
  }
}
