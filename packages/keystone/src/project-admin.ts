import { malformed } from './keystone-errors.js';
import { parseJson, type HttpAnswer, type HttpCall, type Transport } from './transport.js';

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

type Raw = Record<string, unknown>;

/**
 * Keystone v3's project administration with one token (Keystone's default policy wants the admin
 * role): projects with their tags, the lookups of domains, groups and roles by name, and role
 * grants of groups on projects. Refusals are KeystoneErrors with Keystone's status and message
 * (409 for a name already taken in the domain, 404 for an unknown id).
 */
export class ProjectAdmin {
  constructor(
    private readonly transport: Transport,
    private readonly authUrl: string,
    private readonly token: string,
  ) {}

  async listProjects(filter: ProjectListFilter = {}): Promise<KeystoneProject[]> {
    const search = query({ domain_id: filter.domainId, tags: filter.tags?.join(',') });
    return (await this.list('projects', search)).map(project);
  }

  async createProject(wanted: NewProject): Promise<KeystoneProject> {
    const body = { name: wanted.name, domain_id: wanted.domainId, description: wanted.description, enabled: wanted.enabled, tags: wanted.tags };
    return project(await this.send('POST', 'projects', 'project', body));
  }

  async updateProject(id: string, changes: ProjectChanges): Promise<KeystoneProject> {
    return project(await this.send('PATCH', `projects/${encodeURIComponent(id)}`, 'project', changes));
  }

  async deleteProject(id: string): Promise<void> {
    await this.call({ method: 'DELETE', url: `${this.authUrl}/projects/${encodeURIComponent(id)}` });
  }

  /** The id of the domain of that name, or undefined. */
  async domainId(name: string): Promise<string | undefined> {
    return idOf(await this.list('domains', query({ name })));
  }

  /** The id of the group of that name in that domain, or undefined. */
  async groupId(name: string, domainId: string): Promise<string | undefined> {
    return idOf(await this.list('groups', query({ name, domain_id: domainId })));
  }

  /** The id of the (global) role of that name, or undefined. */
  async roleId(name: string): Promise<string | undefined> {
    return idOf(await this.list('roles', query({ name })));
  }

  /** PUT /v3/projects/{project}/groups/{group}/roles/{role}: idempotent. */
  async grantGroupRole(grant: GroupProjectGrant): Promise<void> {
    const path = ['projects', grant.projectId, 'groups', grant.groupId, 'roles', grant.roleId].map(encodeURIComponent).join('/');
    await this.call({ method: 'PUT', url: `${this.authUrl}/${path}` });
  }

  /** The direct project assignments of `roleId` to `groupId`. */
  async groupGrants(groupId: string, roleId: string): Promise<GroupProjectGrant[]> {
    const items = await this.list('role_assignments', query({ 'group.id': groupId, 'role.id': roleId }));
    return items.flatMap((item) => {
      const projectId = ((item.scope as Raw | undefined)?.project as Raw | undefined)?.id;
      return typeof projectId === 'string' ? [{ groupId, roleId, projectId }] : [];
    });
  }

  private async list(collection: string, search: string): Promise<Raw[]> {
    const url = `${this.authUrl}/${collection}${search}`;
    const answer = await this.call({ method: 'GET', url });
    const items = parseJson<Raw>(answer, url, `the ${collection} list`)[collection];
    if (!Array.isArray(items)) throw malformed(url, `no "${collection}" list`);
    return items as Raw[];
  }

  private async send(method: 'POST' | 'PATCH', path: string, member: string, body: object): Promise<Raw> {
    const url = `${this.authUrl}/${path}`;
    const answer = await this.call({ method, url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [member]: body }) });
    const result = parseJson<Raw>(answer, url, `the ${member}`)[member];
    if (typeof result !== 'object' || result === null) throw malformed(url, `no "${member}" object`);
    return result as Raw;
  }

  private call(call: HttpCall): Promise<HttpAnswer> {
    return this.transport.call({ ...call, headers: { ...call.headers, 'x-auth-token': this.token }, secrets: [this.token] });
  }
}

function query(filters: Record<string, string | undefined>): string {
  const given = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return given.length === 0 ? '' : `?${new URLSearchParams(given).toString()}`;
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

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
