import { randomBytes } from 'node:crypto';
import { readJsonObject, sendJson, type Route, type SimRequest } from '../sim-server.js';
import type { CatalogApiHost } from './catalog-api.js';
import { newId } from './ids.js';
import type { SimApplicationCredential } from './tokens.js';

/** An application credential of a user: scoped to one project, limited by access rules when it has them. */
export interface StoredApplicationCredential extends SimApplicationCredential {
  secret: string;
  userId: string;
  projectId: string;
}

export type AccessRuleInput = { service: string; method: string; path: string };

/** The application credentials of a simulated Keystone. */
export class ApplicationCredentials {
  private readonly byId = new Map<string, StoredApplicationCredential>();

  add(userId: string, projectId: string, name: string, secret: string, accessRules?: readonly AccessRuleInput[]): StoredApplicationCredential {
    const credential: StoredApplicationCredential = {
      id: newId(),
      name,
      secret,
      userId,
      projectId,
      ...(accessRules && { accessRules: accessRules.map((rule) => ({ id: newId(), service: rule.service, method: rule.method, path: rule.path })) }),
    };
    this.byId.set(credential.id, credential);
    return credential;
  }

  /** The credential an `application_credential` auth method names (by id, or by name and user), when its secret is right. */
  authenticate(ref: { id?: string; name?: string; secret?: string }, ownerId: string | undefined): StoredApplicationCredential | undefined {
    const found = ref.id !== undefined ? this.byId.get(ref.id) : [...this.byId.values()].find((candidate) => candidate.name === ref.name && candidate.userId === ownerId);
    return found && found.secret === ref.secret ? found : undefined;
  }

  delete(userId: string, id: string): boolean {
    const found = this.byId.get(id);
    return found?.userId === userId && this.byId.delete(id);
  }
}

/**
 * Keystone v3's application credential API, the part a user needs: create one (scoped to the
 * project of the token used, with optional access rules; the secret generated unless given) and
 * delete it, for oneself only (403 for another user, as the default policy has it).
 */
export function applicationCredentialRoutes(credentials: ApplicationCredentials, host: CatalogApiHost & { projectOf(token: { projectId?: string }): string | undefined }): Route[] {
  const own = (request: SimRequest) => {
    const caller = host.caller(request);
    if (!caller) return undefined;
    if (caller.userId !== request.params.user) {
      host.fail(request, 403, 'You are not authorized to perform the requested action: identity:create_application_credential.');
      return undefined;
    }
    return caller;
  };
  return [
    {
      method: 'POST',
      pattern: /^\/v3\/users\/(?<user>[^/]+)\/application_credentials$/,
      name: 'application_credentials.create',
      handle: async (request) => {
        const caller = own(request);
        if (!caller) return;
        const body = (await readJsonObject(request.req))?.application_credential as Record<string, unknown> | undefined;
        if (!body || typeof body.name !== 'string') return host.fail(request, 400, "'name' is a required property");
        const projectId = host.projectOf(caller);
        if (!projectId) return host.fail(request, 403, 'You are not authorized to perform the requested action: an application credential needs a project-scoped token.');
        const rules = Array.isArray(body.access_rules) ? (body.access_rules as AccessRuleInput[]) : undefined;
        const secret = typeof body.secret === 'string' ? body.secret : randomBytes(32).toString('base64url');
        const made = credentials.add(caller.userId, projectId, body.name, secret, rules);
        sendJson(request.res, 201, {
          application_credential: {
            id: made.id,
            name: made.name,
            secret,
            project_id: projectId,
            user_id: caller.userId,
            unrestricted: false,
            roles: [],
            ...(made.accessRules && { access_rules: made.accessRules }),
            links: { self: `${host.authUrl()}/users/${caller.userId}/application_credentials/${made.id}` },
          },
        });
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v3\/users\/(?<user>[^/]+)\/application_credentials\/(?<id>[^/]+)$/,
      name: 'application_credentials.delete',
      handle: (request) => {
        const caller = own(request);
        if (!caller) return;
        if (!credentials.delete(caller.userId, request.params.id)) return host.fail(request, 404, `Could not find application credential: ${request.params.id}.`);
        request.res.writeHead(204).end();
      },
    },
  ];
}
