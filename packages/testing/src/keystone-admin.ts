/**
 * A user's calls to a Keystone's v3 API (an admin's, mostly), simulated or real alike, for tests
 * that change a federation's setup (a project, a catalog endpoint, an endpoint group) and undo it
 * afterwards: every `create*` and `restrict*` records its undo, `undo()` runs them newest first.
 */
export class KeystoneAdmin {
  private readonly undos: (() => Promise<void>)[] = [];

  private constructor(
    readonly authUrl: string,
    /** The token logged in with: also good for that cloud's other services (Glance, Cinder) */
    readonly token: string,
    /** The id of the user logged in */
    readonly userId: string,
  ) {}

  /** Logs in with a password, scoped to a project of the Default domain. */
  static async login(authUrl: string, username: string, password: string, projectName: string): Promise<KeystoneAdmin> {
    const response = await fetch(`${authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: username, domain: { name: 'Default' }, password } } },
          scope: { project: { name: projectName, domain: { name: 'Default' } } },
        },
      }),
    });
    const body = (await response.json().catch(() => undefined)) as { token?: { user?: { id?: string } } } | undefined;
    const token = response.headers.get('x-subject-token');
    const userId = body?.token?.user?.id;
    if (!token || !userId) throw new Error(`${authUrl}: login as ${username} answered ${response.status}`);
    return new KeystoneAdmin(authUrl, token, userId);
  }

  /** One call; throws with Keystone's answer unless it is 2xx. */
  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.authUrl}${path}`, {
      method,
      headers: { 'x-auth-token': this.token, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** A project in the Default domain, with `role` granted to the user named `username` there. */
  async createProject(name: string, username: string, role = 'member'): Promise<string> {
    const { project } = await this.call<{ project: { id: string } }>('POST', '/projects', { project: { name, domain_id: 'default' } });
    this.undos.push(async () => {
      await this.call('PATCH', `/projects/${project.id}`, { project: { enabled: false } });
      await this.call('DELETE', `/projects/${project.id}`);
    });
    const [user] = (await this.call<{ users: { id: string }[] }>('GET', `/users?name=${encodeURIComponent(username)}`)).users;
    const [found] = (await this.call<{ roles: { id: string }[] }>('GET', `/roles?name=${encodeURIComponent(role)}`)).roles;
    await this.call('PUT', `/projects/${project.id}/users/${user.id}/roles/${found.id}`);
    return project.id;
  }

  /** A catalog service of `serviceType` (its endpoints, made with `createEndpoint`, go with it on undo). */
  async createService(serviceType: string, name: string): Promise<void> {
    const { service } = await this.call<{ service: { id: string } }>('POST', '/services', { service: { type: serviceType, name } });
    this.undos.push(() => this.call('DELETE', `/services/${service.id}`).then(() => undefined));
  }

  /** A catalog endpoint of the existing service of `serviceType`, in `region` (created when missing). */
  async createEndpoint(serviceType: string, region: string, endpointInterface: string, url: string): Promise<void> {
    const regions = (await this.call<{ regions: { id: string }[] }>('GET', '/regions')).regions;
    if (!regions.some((existing) => existing.id === region)) {
      await this.call('POST', '/regions', { region: { id: region, description: 'made by a k2k test' } });
      this.undos.push(() => this.call('DELETE', `/regions/${region}`).then(() => undefined));
    }
    const [service] = (await this.call<{ services: { id: string }[] }>('GET', `/services?type=${encodeURIComponent(serviceType)}`)).services;
    if (!service) throw new Error(`${this.authUrl} has no ${serviceType} service`);
    const { endpoint } = await this.call<{ endpoint: { id: string } }>('POST', '/endpoints', {
      endpoint: { service_id: service.id, interface: endpointInterface, region_id: region, url },
    });
    this.undos.push(() => this.call('DELETE', `/endpoints/${endpoint.id}`).then(() => undefined));
  }

  /** An OS-EP-FILTER endpoint group with these filters, associated with the project: its tokens' catalogs list only those endpoints. */
  async restrictCatalog(projectId: string, filters: { interface?: string; region_id?: string; service_id?: string }): Promise<void> {
    const { endpoint_group: group } = await this.call<{ endpoint_group: { id: string } }>('POST', '/OS-EP-FILTER/endpoint_groups', {
      endpoint_group: { name: `k2k-test-${projectId.slice(0, 8)}`, filters },
    });
    this.undos.push(() => this.call('DELETE', `/OS-EP-FILTER/endpoint_groups/${group.id}`).then(() => undefined));
    await this.call('PUT', `/OS-EP-FILTER/endpoint_groups/${group.id}/projects/${projectId}`);
  }

  /** An application credential of the user logged in (scoped to the login's project), limited by `accessRules` when given. */
  async createApplicationCredential(name: string, accessRules?: { service: string; method: string; path: string }[]): Promise<{ id: string; secret: string }> {
    const { application_credential: made } = await this.call<{ application_credential: { id: string; secret: string } }>('POST', `/users/${this.userId}/application_credentials`, {
      application_credential: { name, ...(accessRules && { access_rules: accessRules }) },
    });
    this.undos.push(() => this.call('DELETE', `/users/${this.userId}/application_credentials/${made.id}`).then(() => undefined));
    return made;
  }

  /** Undoes every change, newest first; tries them all and throws the first failure. */
  async undo(): Promise<void> {
    let first: unknown;
    for (const undo of this.undos.splice(0).reverse()) await undo().catch((error: unknown) => (first ??= error));
    if (first) throw first;
  }
}
