import { newId } from './ids.js';

export interface Domain {
  id: string;
  name: string;
}

export interface Project {
  id: string;
  name: string;
  domainId: string;
  enabled: boolean;
  description: string;
  tags: string[];
}

export interface User {
  id: string;
  name: string;
  domainId: string;
  password?: string;
}

export interface Group {
  id: string;
  name: string;
  domainId: string;
}

export interface Role {
  id: string;
  name: string;
}

export interface Assignment {
  actorId: string;
  targetId: string;
  roleId: string;
}

/** The target of role assignments on the system (Keystone's system scope `{"all": true}`). */
export const SYSTEM_TARGET = 'system';

/** Keystone's default implied roles: admin implies member, member implies reader. */
const IMPLIES: Record<string, string> = { admin: 'member', member: 'reader' };

/**
 * The identity data of one simulated Keystone: domains, projects, users, groups, roles and role
 * assignments (to users or groups, on projects or domains), with Keystone's default implied roles.
 */
export class Directory {
  readonly domains: Domain[] = [{ id: 'default', name: 'Default' }];
  readonly projects: Project[] = [];
  readonly users: User[] = [];
  readonly groups: Group[] = [];
  readonly roles: Role[] = ['admin', 'member', 'reader', 'service'].map((name) => ({ id: newId(), name }));
  private readonly assignments: Assignment[] = [];
  /** Keystone's `list_limit` for project lists: a longer list is cut there and answered with `"truncated": true` (undefined: none) */
  projectListLimit: number | undefined;

  addDomain(name: string, id = newId()): Domain {
    const domain = { id, name };
    this.domains.push(domain);
    return domain;
  }

  addProject(name: string, domainId = 'default', details: { description?: string; enabled?: boolean; tags?: string[] } = {}): Project {
    const project = { id: newId(), name, domainId, enabled: details.enabled ?? true, description: details.description ?? '', tags: [...(details.tags ?? [])] };
    this.projects.push(project);
    return project;
  }

  /** Deletes a project and the role assignments on it, as Keystone does. */
  removeProject(id: string): void {
    const index = this.projects.findIndex((project) => project.id === id);
    if (index >= 0) this.projects.splice(index, 1);
    for (let i = this.assignments.length - 1; i >= 0; i--) if (this.assignments[i].targetId === id) this.assignments.splice(i, 1);
  }

  addUser(name: string, password: string | undefined, domainId = 'default', id = newId()): User {
    const user = { id, name, domainId, password };
    this.users.push(user);
    return user;
  }

  addGroup(name: string, domainId = 'default'): Group {
    const group = { id: newId(), name, domainId };
    this.groups.push(group);
    return group;
  }

  /** Grants a role (by name) to a user or group on a project, a domain or the system (SYSTEM_TARGET); granting twice changes nothing. */
  grant(roleName: string, actorId: string, targetId: string): void {
    const roleId = this.role(roleName).id;
    if (!this.assignments.some((a) => a.actorId === actorId && a.targetId === targetId && a.roleId === roleId)) this.assignments.push({ actorId, targetId, roleId });
  }

  /** The direct role assignments, optionally of one actor and one role. */
  assignmentsOf(filter: { actorId?: string; roleId?: string }): Assignment[] {
    return this.assignments.filter((a) => (filter.actorId === undefined || a.actorId === filter.actorId) && (filter.roleId === undefined || a.roleId === filter.roleId));
  }

  role(name: string): Role {
    const role = this.roles.find((candidate) => candidate.name === name);
    if (!role) throw new Error(`no role ${name}`);
    return role;
  }

  domain(ref: { id?: string; name?: string }): Domain | undefined {
    return this.domains.find((d) => (ref.id !== undefined ? d.id === ref.id : d.name === ref.name));
  }

  /** A project by id, or by name within a domain given by id or name. */
  project(ref: { id?: string; name?: string; domain?: { id?: string; name?: string } }): Project | undefined {
    if (ref.id !== undefined) return this.projects.find((p) => p.id === ref.id);
    const domain = ref.domain && this.domain(ref.domain);
    return domain && this.projects.find((p) => p.name === ref.name && p.domainId === domain.id);
  }

  /** A user by id, or by name within a domain given by id or name. */
  user(ref: { id?: string; name?: string; domain?: { id?: string; name?: string } }): User | undefined {
    if (ref.id !== undefined) return this.users.find((u) => u.id === ref.id);
    const domain = ref.domain && this.domain(ref.domain);
    return domain && this.users.find((u) => u.name === ref.name && u.domainId === domain.id);
  }

  /** The effective roles (implied ones included) of a user, through its groups too, on a target. */
  rolesOn(userId: string, groupIds: readonly string[], targetId: string): Role[] {
    const actors = new Set([userId, ...groupIds]);
    const names = new Set<string>();
    for (const assignment of this.assignments) {
      if (!actors.has(assignment.actorId) || assignment.targetId !== targetId) continue;
      for (let name: string | undefined = this.roles.find((r) => r.id === assignment.roleId)?.name; name; name = IMPLIES[name]) names.add(name);
    }
    return this.roles.filter((role) => names.has(role.name));
  }

  /** Projects on which the user (or one of its groups) has a role. */
  projectsOf(userId: string, groupIds: readonly string[]): Project[] {
    return this.projects.filter((project) => project.enabled && this.rolesOn(userId, groupIds, project.id).length > 0);
  }
}
