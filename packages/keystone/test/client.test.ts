import { expect } from 'chai';
import { KeystoneClient } from '../src/index.js';
import { failure, json, startStub, tokenBody, type HttpStub } from './http-stub.js';

const TOKEN = 'gAAAAABsecret-user-token';

describe('KeystoneClient', () => {
  let stub: HttpStub | undefined;
  let client: KeystoneClient | undefined;

  afterEach(async () => {
    await client?.close();
    await stub?.close();
    stub = client = undefined;
  });

  async function serve(handler: Parameters<typeof startStub>[0], options: { timeoutMs?: number; retries?: number } = {}): Promise<KeystoneClient> {
    stub = await startStub(handler);
    client = new KeystoneClient({ authUrl: `${stub.url}/v3`, ...options });
    return client;
  }

  it('authenticates with a password and a project scope, reading the token id from X-Subject-Token', async () => {
    const keystone = await serve((_req, res) =>
      json(res, 201, tokenBody({ project: { id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } }, roles: [{ id: 'r1', name: 'member' }] }), { 'x-subject-token': TOKEN }),
    );
    const token = await keystone.authenticate({ user: { name: 'alice', domain: { name: 'Default' } }, password: 'pw' }, { project: { name: 'demo', domain: { name: 'Default' } } });
    expect(token.id).to.equal(TOKEN);
    expect(token.project).to.deep.equal({ id: 'p1', name: 'demo', domain: { id: 'default', name: 'Default' } });
    expect(token.roles).to.deep.equal([{ id: 'r1', name: 'member' }]);
    const sent = JSON.parse(stub!.seen[0].body);
    expect(stub!.seen[0].url).to.equal('/v3/auth/tokens');
    expect(sent).to.deep.equal({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 'pw' } } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
  });

  it('validates a token as a service, with nocatalog and allow_expired when asked', async () => {
    const keystone = await serve((_req, res) => json(res, 200, tokenBody()));
    const token = await keystone.validateToken('service-token', TOKEN, { catalog: false, allowExpired: true });
    expect(token.id).to.equal(TOKEN);
    expect(stub!.seen[0].url).to.equal('/v3/auth/tokens?nocatalog&allow_expired=1');
    expect(stub!.seen[0].headers).to.include({ 'x-auth-token': 'service-token', 'x-subject-token': TOKEN });
  });

  it('reads a system scope only as Keystone renders it, {"all": true}', async () => {
    const systems: unknown[] = [{ all: true }, {}, null];
    const keystone = await serve((_req, res) => json(res, 200, tokenBody({ system: systems.shift(), roles: [{ id: 'r1', name: 'admin' }] })));
    expect((await keystone.validateToken('service-token', TOKEN)).system).to.equal(true);
    expect(await keystone.validateToken('service-token', TOKEN)).to.not.have.property('system');
    expect(await keystone.validateToken('service-token', TOKEN)).to.not.have.property('system');
  });

  it("carries Keystone's status and message, never the token", async () => {
    const keystone = await serve((_req, res) => json(res, 404, { error: { code: 404, title: 'Not Found', message: `Could not recognize Fernet token ${TOKEN}` } }));
    const error = await failure(keystone.validateToken('service-token', TOKEN));
    expect(error).to.include({ status: 404, failure: 'refused' });
    expect(error.message).to.equal('Could not recognize Fernet token <redacted>');
    expect(JSON.stringify(error.toBody())).to.not.include(TOKEN);
  });

  it('answers a 5xx as a refusal without retrying it', async () => {
    const keystone = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html>busy</html>');
    });
    const error = await failure(keystone.authenticate({ token: TOKEN }));
    expect(error.status).to.equal(503);
    expect(error.message).to.equal('HTTP 503 without a Keystone error body');
    expect(stub!.seen).to.have.length(1);
  });

  it('times out a Keystone that does not answer (504)', async () => {
    const keystone = await serve(() => {}, { timeoutMs: 100 });
    const error = await failure(keystone.authenticate({ token: TOKEN }));
    expect(error).to.include({ status: 504, failure: 'timeout' });
  });

  it('retries a refused connection a bounded number of times, then answers 502', async () => {
    stub = await startStub(() => {});
    const url = stub.url;
    await stub.close();
    stub = undefined;
    client = new KeystoneClient({ authUrl: `${url}/v3`, retries: 2 });
    const error = await failure(client.authenticate({ token: TOKEN }));
    expect(error).to.include({ status: 502, failure: 'unreachable' });
    expect(error.message).to.include('ECONNREFUSED');
  });

  it('retries after a connection reset and succeeds', async () => {
    let calls = 0;
    const keystone = await serve((_req, res) => {
      if (++calls === 1) res.socket?.destroy();
      else json(res, 201, tokenBody(), { 'x-subject-token': TOKEN });
    });
    expect((await keystone.authenticate({ token: TOKEN })).id).to.equal(TOKEN);
    expect(calls).to.equal(2);
  });

  it('reports a token answer without X-Subject-Token or JSON as malformed (502)', async () => {
    const keystone = await serve((req, res) => (req.method === 'POST' ? json(res, 201, tokenBody()) : res.end('not json')));
    expect(await failure(keystone.authenticate({ token: TOKEN }))).to.include({ status: 502, failure: 'malformed' });
    expect(await failure(keystone.validateToken('s', TOKEN))).to.include({ status: 502, failure: 'malformed' });
  });

  it('lists the projects a token can scope to, with their tags', async () => {
    const projects = [
      { id: 'p1', name: 'demo', domain_id: 'default', enabled: true },
      { id: 'p2', name: 'partner', domain_id: 'default', enabled: true, tags: ['k2k-sync', 'k2k-sync:0f0e', 7] },
    ];
    const keystone = await serve((_req, res) => json(res, 200, { projects }));
    expect(await keystone.listProjects(TOKEN)).to.deep.equal([
      { id: 'p1', name: 'demo', domainId: 'default', enabled: true, tags: [] },
      { id: 'p2', name: 'partner', domainId: 'default', enabled: true, tags: ['k2k-sync', 'k2k-sync:0f0e'] },
    ]);
    expect(stub!.seen[0].headers['x-auth-token']).to.equal(TOKEN);
  });

  it("tells when Keystone cut a project list at its list_limit (\"truncated\": true), and when not", async () => {
    const listed = { id: 'p1', name: 'demo', description: 'd', domain_id: 'default', enabled: true, tags: ['t'] };
    let truncated: boolean | undefined = true;
    const keystone = await serve((_req, res) => json(res, 200, { projects: [listed], links: { next: null }, ...(truncated !== undefined && { truncated }) }));
    const admin = keystone.projectAdmin(TOKEN);
    const project = { id: 'p1', name: 'demo', description: 'd', domainId: 'default', enabled: true, tags: ['t'] };
    expect(await admin.listProjects({ tags: ['t'] })).to.deep.equal({ projects: [project], truncated: true });
    truncated = undefined; // Keystone says nothing when the list is whole
    expect(await admin.listProjects({ tags: ['t'] })).to.deep.equal({ projects: [project], truncated: false });
  });

  it('validates its options, naming the option', () => {
    expect(() => new KeystoneClient({ authUrl: 'http://127.0.0.1:5000' })).to.throw(/authUrl: must be Keystone's v3 URL ending in \/v3/);
    expect(() => new KeystoneClient({ authUrl: 'ftp://x/v3' })).to.throw(/authUrl: must be an http or https URL/);
    expect(() => new KeystoneClient({ authUrl: 'http://x/v3', timeoutMS: 5 } as never)).to.throw(/did you mean "timeoutMs"/);
    expect(() => new KeystoneClient({ authUrl: 'http://x/v3', retries: 99 })).to.throw(/retries: must be an integer from 0 to 10/);
  });
});
