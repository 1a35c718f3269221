import { readJsonObject, sendJson, type Route, type SimRequest } from '../sim-server.js';
import type { Directory, Project } from './directory.js';
import { adminCaller, type CatalogApiHost } from './catalog-api.js';
import { newId } from './ids.js';

const ID = '(?<id>[^/]+)';
/** Keystone's tag rules: at most 255 characters, no "/" or ",", at most 80 per project. */
const TAG_LIMITS = { length: 255, count: 80 };

/**
 * Keystone v3's project administration as Zed answers it, admin role required: projects with
 * description, enabled and tags (`tags=` lists those carrying every tag given; a name taken in the
 * domain is 409; deleting a project takes its role assignments with it), domains, groups and roles
 * looked up by name, group role grants on projects (`PUT`, idempotent) and `role_assignments`
 * filtered by group and role. A rename to a name taken in the domain is a bare 500, as Zed's is. A
 * project list longer than the directory's `projectListLimit` is cut there, `"truncated": true`.
 */
export function projectRoutes(directory: Directory, host: CatalogApiHost): Route[] {
  const links = (collection: string, id?: string) => ({ self: `${host.authUrl()}/${collection}${id === undefined ? '' : `/${id}`}` });
  const listed = (collection: string, items: unknown[]) => ({ [collection]: items, links: { next: null, self: `${host.authUrl()}/${collection}`, previous: null } });
  const render = (project: Project) => renderProject(project, host.authUrl());
  const authorized = (request: SimRequest, action: string): boolean => adminCaller(host, request, action);
  const member = async (request: SimRequest): Promise<Record<string, unknown> | undefined> => {
    const body = (await readJsonObject(request.req))?.project;
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
    host.fail(request, 400, `${JSON.stringify(body ?? null)} is not of type 'object'`);
    return undefined;
  };
  const nameTaken = (name: string, domainId: string, except?: string) => directory.projects.find((p) => p.name === name && p.domainId === domainId && p.id !== except);
  // The id named is the one the refused project would have had.
  const conflict = (request: SimRequest, name: string, id = newId()) =>
    host.fail(request, 409, `Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${name}, project id ${id}.`);
  const badField = (body: Record<string, unknown>): string | undefined => {
    if (body.name !== undefined && (typeof body.name !== 'string' || body.name === '' || body.name.length > 64)) return "Invalid input for field 'name'";
    if (body.description !== undefined && typeof body.description !== 'string') return "Invalid input for field 'description'";
    if (body.enabled !== undefined && typeof body.enabled !== 'boolean') return "Invalid input for field 'enabled'";
    if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.length > TAG_LIMITS.count || !body.tags.every(validTag))) return "Invalid input for field 'tags'";
    return undefined;
  };
  const byName = <T extends { name: string }>(items: T[], request: SimRequest): T[] => {
    const name = request.query.get('name');
    return items.filter((item) => name === null || item.name === name);
  };

  return [
    {
      method: 'GET',
      pattern: /^\/v3\/projects$/,
      name: 'projects.list',
      handle: (request) => {
        if (!authorized(request, 'list_projects')) return;
        const domainId = request.query.get('domain_id');
        const tags = request.query.get('tags')?.split(',') ?? [];
        const projects = byName(directory.projects, request).filter((p) => (domainId === null || p.domainId === domainId) && tags.every((tag) => p.tags.includes(tag)));
        const limit = directory.projectListLimit;
        if (limit !== undefined && projects.length > limit) sendJson(request.res, 200, { ...listed('projects', projects.slice(0, limit).map(render)), truncated: true });
        else sendJson(request.res, 200, listed('projects', projects.map(render)));
      },
    },
    {
      method: 'POST',
      pattern: /^\/v3\/projects$/,
      name: 'projects.create',
      handle: async (request) => {
        if (!authorized(request, 'create_project')) return;
        const body = await member(request);
        if (!body) return;
        if (typeof body.name !== 'string') return host.fail(request, 400, "'name' is a required property");
        const invalid = badField(body);
        if (invalid) return host.fail(request, 400, invalid);
        const domainId = typeof body.domain_id === 'string' ? body.domain_id : 'default';
        if (!directory.domain({ id: domainId })) return host.fail(request, 400, `Could not find domain: ${domainId}.`);
        if (nameTaken(body.name, domainId)) return conflict(request, body.name);
        const project = directory.addProject(body.name, domainId, {
          description: body.description as string | undefined,
          enabled: body.enabled as boolean | undefined,
          tags: body.tags as string[] | undefined,
        });
        sendJson(request.res, 201, { project: render(project) });
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/v3/projects/${ID}$`),
      name: 'projects.update',
      handle: async (request) => {
        if (!authorized(request, 'update_project')) return;
        const project = directory.project({ id: idParam(request) });
        if (!project) return host.fail(request, 404, `Could not find project: ${idParam(request)}.`);
        const body = await member(request);
        if (!body) return;
        const invalid = badField(body);
        if (invalid) return host.fail(request, 400, invalid);
        // Zed does not catch the unique constraint on a rename: its web server answers a bare 500.
        if (typeof body.name === 'string' && nameTaken(body.name, project.domainId, project.id)) return internalServerError(request);
        if (typeof body.name === 'string') project.name = body.name;
        if (typeof body.description === 'string') project.description = body.description;
        if (typeof body.enabled === 'boolean') project.enabled = body.enabled;
        if (Array.isArray(body.tags)) project.tags = [...(body.tags as string[])];
        sendJson(request.res, 200, { project: render(project) });
      },
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/v3/projects/${ID}$`),
      name: 'projects.delete',
      handle: (request) => {
        if (!authorized(request, 'delete_project')) return;
        const id = idParam(request);
        if (!directory.project({ id })) return host.fail(request, 404, `Could not find project: ${id}.`);
        directory.removeProject(id);
        request.res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/domains$/,
      name: 'domains.list',
      handle: (request) => {
        if (authorized(request, 'list_domains')) sendJson(request.res, 200, listed('domains', byName(directory.domains, request).map((d) => ({ id: d.id, name: d.name, enabled: true, links: links('domains', d.id) }))));
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/groups$/,
      name: 'groups.list',
      handle: (request) => {
        if (!authorized(request, 'list_groups')) return;
        const domainId = request.query.get('domain_id');
        const groups = directory.groups.filter((g) => domainId === null || g.domainId === domainId);
        sendJson(request.res, 200, listed('groups', byName(groups, request).map((g) => ({ id: g.id, name: g.name, domain_id: g.domainId, description: '', links: links('groups', g.id) }))));
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/roles$/,
      name: 'roles.list',
      handle: (request) => {
        if (authorized(request, 'list_roles')) sendJson(request.res, 200, listed('roles', byName(directory.roles, request).map((r) => ({ id: r.id, name: r.name, domain_id: null, links: links('roles', r.id) }))));
      },
    },
    {
      method: 'PUT',
      pattern: /^\/v3\/projects\/(?<project>[^/]+)\/groups\/(?<group>[^/]+)\/roles\/(?<role>[^/]+)$/,
      name: 'projects.groups.roles.grant',
      handle: (request) => {
        if (!authorized(request, 'create_grant')) return;
        const [projectId, groupId, roleId] = [request.params.project, request.params.group, request.params.role].map(decodeURIComponent);
        const role = directory.roles.find((r) => r.id === roleId);
        if (!directory.project({ id: projectId })) return host.fail(request, 404, `Could not find project: ${projectId}.`);
        if (!directory.groups.some((g) => g.id === groupId)) return host.fail(request, 404, `Could not find group: ${groupId}.`);
        if (!role) return host.fail(request, 404, `Could not find role: ${roleId}.`);
        directory.grant(role.name, groupId, projectId);
        request.res.writeHead(204).end();
      },
    },
    {
      method: 'GET',
      pattern: /^\/v3\/role_assignments$/,
      name: 'role-assignments.list',
      handle: (request) => {
        if (!authorized(request, 'list_role_assignments')) return;
        const actorId = request.query.get('group.id') ?? request.query.get('user.id') ?? undefined;
        const assignments = directory
          .assignmentsOf({ actorId, roleId: request.query.get('role.id') ?? undefined })
          .filter((a) => directory.project({ id: a.targetId }))
          .map((a) => {
            const kind = directory.groups.some((g) => g.id === a.actorId) ? 'group' : 'user';
            const assignment = `${host.authUrl()}/projects/${a.targetId}/${kind}s/${a.actorId}/roles/${a.roleId}`;
            return { [kind]: { id: a.actorId }, role: { id: a.roleId }, scope: { project: { id: a.targetId } }, links: { assignment } };
          });
        sendJson(request.res, 200, { role_assignments: assignments, links: { next: null, self: `${host.authUrl()}/role_assignments`, previous: null } });
      },
    },
  ];
}

function internalServerError({ res }: SimRequest): void {
  res.writeHead(500, { 'content-type': 'text/html; charset=iso-8859-1' }).end('<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n');
}

function validTag(tag: unknown): boolean {
  return typeof tag === 'string' && tag.length > 0 && tag.length <= TAG_LIMITS.length && !/[/,]/.test(tag);
}

function idParam(request: SimRequest): string {
  return decodeURIComponent(request.params.id ?? '');
}

/** A project as Keystone (Zed) renders it in its project API and in GET /v3/auth/projects. */
export function renderProject(project: Project, authUrl: string): Record<string, unknown> {
  return {
    id: project.id,
    name: project.name,
    domain_id: project.domainId,
    description: project.description,
    enabled: project.enabled,
    parent_id: project.domainId,
    is_domain: false,
    tags: project.tags,
    options: {},
    links: { self: `${authUrl}/projects/${project.id}` },
  };
}
