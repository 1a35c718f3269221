/** What a fake service needs to know of a token: whether it is valid here, and its project. */
export interface CheckedToken {
  projectId?: string;
}

/**
 * How a fake service checks the X-Auth-Token it receives, as keystonemiddleware would: against
 * its own cloud's Keystone, simulated (in-process) or real (over HTTP).
 */
export interface TokenChecker {
  /** The Keystone's v3 URL, for WWW-Authenticate */
  readonly authUrl: string;
  /** The token's facts when valid, else undefined */
  check(token: string | undefined): Promise<CheckedToken | undefined>;
}

export interface RealKeystoneCheckerOptions {
  authUrl: string;
  /** A user allowed to validate tokens (admin or service role) in project `project` of Default */
  user: string;
  password: string;
  project: string;
}

/** A TokenChecker that asks a real Keystone (GET /v3/auth/tokens), with its own token renewed when refused. */
export function realKeystoneChecker(options: RealKeystoneCheckerOptions): TokenChecker {
  let serviceToken: Promise<string> | undefined;
  const login = async (): Promise<string> => {
    const response = await fetch(`${options.authUrl}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: options.user, domain: { id: 'default' }, password: options.password } } },
          scope: { project: { name: options.project, domain: { id: 'default' } } },
        },
      }),
    });
    await response.body?.cancel();
    const token = response.headers.get('x-subject-token');
    if (!token) throw new Error(`cannot log in to ${options.authUrl} as ${options.user}: HTTP ${response.status}`);
    return token;
  };
  const validate = async (token: string, retry: boolean): Promise<CheckedToken | undefined> => {
    serviceToken ??= login();
    const response = await fetch(`${options.authUrl}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': await serviceToken, 'x-subject-token': token } });
    if (response.status === 401 && retry) {
      await response.body?.cancel();
      serviceToken = undefined;
      return validate(token, false);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return undefined;
    }
    const body = (await response.json()) as { token?: { project?: { id?: string } } };
    return { projectId: body.token?.project?.id };
  };
  return { authUrl: options.authUrl, check: (token) => (token ? validate(token, true) : Promise.resolve(undefined)) };
}
