import { AdminSession, query, text, type Raw } from './admin-session.js';
import type { Transport } from './transport.js';

/** A project as Keystone's admin API lists it (GET /v3/projects). */
export interface KeystoneProject {
  id: string;
  name: string;
  description: string;
  domainId: string;
  enabled: boolean;
  tags: string[];
}

export interface ProjectListFilter {
  domainId?: string;
  /** Projects carrying every one of these tags (Keystone's `tags=`) */
  tags?: string[];
}

/** A list of projects, and whether Keystone cut it at its `list_limit`: then some projects are missing from it. */
export interface ProjectList {
  projects: KeystoneProject[];
  truncated: boolean;
}

export interface NewProject {
  name: string;
  domainId: string;
  description: string;
  enabled: boolean;
  tags: string[];
}

export type ProjectChanges = Partial<Pick<KeystoneProject, 'name' | 'description' | 'enabled'>>;

/** A role assignment of a group on a project (GET /v3/role_assignments). */
export interface GroupProjectGrant {
  groupId: string;
  projectId: string;
  roleId: string;
}

/**
 * Keystone v3's project administration with one token (Keystone's default policy wants the admin
 * role): projects with their tags, the lookups of domains, groups and roles by name, and role
 * grants of groups on projects. Refusals are KeystoneErrors with Keystone's status and message
 * (409 for a name already taken in the domain, 404 for an unknown id).
 */
export class ProjectAdmin {
  private readonly session: AdminSession;

  constructor(transport: Transport, authUrl: string, token: string) {
    this.session = new AdminSession(transport, authUrl, token);
  }

  async listProjects(filter: ProjectListFilter = {}): Promise<ProjectList> {
    const search = query({ domain_id: filter.domainId, tags: filter.tags?.join(',') });
    const { items, truncated } = await this.session.listing('projects', search);
    return { projects: items.map(project), truncated };
  }

  async createProject(wanted: NewProject): Promise<KeystoneProject> {
    const body = { name: wanted.name, domain_id: wanted.domainId, description: wanted.description, enabled: wanted.enabled, tags: wanted.tags };
    return project(await this.session.write('POST', 'projects', 'project', body));
  }

  async updateProject(id: string, changes: ProjectChanges): Promise<KeystoneProject> {
    return project(await this.session.write('PATCH', `projects/${encodeURIComponent(id)}`, 'project', changes));
  }

  async deleteProject(id: string): Promise<void> {
    await this.session.act('DELETE', `projects/${encodeURIComponent(id)}`);
  }

  /** The id of the domain of that name, or undefined. */
  async domainId(name: string): Promise<string | undefined> {
    return idOf(await this.session.list('domains', query({ name })));
  }

  /** The id of the group of that name in that domain, or undefined. */
  async groupId(name: string, domainId: string): Promise<string | undefined> {
    return idOf(await this.session.list('groups', query({ name, domain_id: domainId })));
  }

  /** The id of the (global) role of that name, or undefined. */
  async roleId(name: string): Promise<string | undefined> {
    return idOf(await this.session.list('roles', query({ name })));
  }

  /** PUT /v3/projects/{project}/groups/{group}/roles/{role}: idempotent. */
  async grantGroupRole(grant: GroupProjectGrant): Promise<void> {
    const path = ['projects', grant.projectId, 'groups', grant.groupId, 'roles', grant.roleId].map(encodeURIComponent).join('/');
    await this.session.act('PUT', path);
  }

  /** The direct project assignments of `roleId` to `groupId`. */
  async groupGrants(groupId: string, roleId: string): Promise<GroupProjectGrant[]> {
    const items = await this.session.list('role_assignments', query({ 'group.id': groupId, 'role.id': roleId }));
    return items.flatMap((item) => {
      const projectId = ((item.scope as Raw | undefined)?.project as Raw | undefined)?.id;
      return typeof projectId === 'string' ? [{ groupId, roleId, projectId }] : [];
    });
  }
}

function idOf(items: Raw[]): string | undefined {
  const id = items[0]?.id;
  return typeof id === 'string' ? id : undefined;
}

function project(raw: Raw): KeystoneProject {
  return {
    id: text(raw.id),
    name: text(raw.name),
    description: text(raw.description),
    domainId: text(raw.domain_id),
    enabled: raw.enabled !== false,
    tags: Array.isArray(raw.tags) ? raw.tags.filter((tag): tag is string => typeof tag === 'string') : [],
  };
}
