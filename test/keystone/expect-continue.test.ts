import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, KeystoneAdmin, type FederationEnv } from '@k2k/testing';
import type { GatewayProcess } from '@k2k/gateway';
import { userToken } from '@k2k/k2k-forward/dist/test/gateway-fixture.js';
import { realFederation } from './real-keystone.js';
import { RecordingRelay, type RelayedRequest } from './recording-relay.js';
import { gatewayKeystone, gatewayListening, realServices, runCli, startLoggedGateway, type GatewayLog, type RealServices } from './stock-cli.js';

/** The SP catalog's type for its Glance behind the recording relay (this file's own; removed afterwards) */
const RECORDED_IMAGE_TYPE = 'k2k-recorded-image';
/** Headers that choose a target at the gateway: none may reach a cloud (DESIGN, "One request through k2kForward" 5) */
const ROUTING_HEADERS = ['service-provider', 'mm-service-provider', 'mm-project-id', 'project-name', 'project-domain', 'endpoint-type'];

/** What the SP's own Keystone says of a token that reached its Glance. */
interface SpTokenCheck {
  /** Keystone's answer to GET /v3/auth/tokens: 200 for a token the SP issued, 404 for any other */
  status: number;
  projectId?: string;
}

/** A Glance image as Glance v2 shows it. */
interface GlanceImage {
  id: string;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

/**
 * `Expect: 100-continue` through the k2k gateway to the SP's REAL Glance, as stock curl sends it
 * (`curl -T` does for a body over 1 MiB). The SP's catalog lists, under a type of this file's own,
 * a recording relay in front of the SP's Glance (recording-relay.ts): what the gateway sent sp1 is
 * seen there, each token checked with the SP's Keystone as it passes and kept only as a hash.
 */
describe("Expect: 100-continue through the gateway to the SP's real Glance (curl -T)", function () {
  this.timeout(120_000);
  let env: FederationEnv;
  let real: RealServices;
  let spAdmin: KeystoneAdmin;
  let relay: RecordingRelay<SpTokenCheck>;
  let gateway: GatewayProcess | undefined;
  let log: GatewayLog;
  let dir: string;
  let idpToken: string;
  let imageId: string | undefined;
  const imageBytes = randomBytes(4 * 1024 * 1024);
  const imageFile = () => join(dir, 'image.raw');
  const digest = (algorithm: string, bytes: Buffer) => createHash(algorithm).update(bytes).digest('hex');

  /** Keystone at the SP validates the token (as the SP's admin): what sp1's Glance would make of it. */
  const checkAtSp = async (token: string): Promise<SpTokenCheck> => {
    const response = await fetch(`${env.spAuthUrl}/auth/tokens`, { headers: { 'x-auth-token': spAdmin.token, 'x-subject-token': token } });
    const body = (await response.json().catch(() => undefined)) as { token?: { project?: { id?: string } } } | undefined;
    return { status: response.status, projectId: body?.token?.project?.id };
  };

  const spToken = () => `an SP token for project ${env.spProjectId}`;
  /** One relayed request as a line: which token it carried and which headers it should not have had. */
  const described = (request: RelayedRequest<SpTokenCheck>): string => {
    const check = request.tokenCheck;
    const token =
      request.tokenSha256 === undefined ? 'no token'
      : request.tokenSha256 === digest('sha256', Buffer.from(idpToken)) ? "the caller's IdP token"
      : check?.status === 200 ? `an SP token for project ${check.projectId}`
      : `a token the SP's Keystone answers ${check?.status} for`;
    const stray = request.headerNames.filter((name) => ROUTING_HEADERS.includes(name) || name === 'x-service-token');
    return `${request.method} ${request.path} -> ${request.status}: ${token}${stray.length ? `, with ${stray.join(', ')}` : ''}`;
  };
  const seenSince = (mark: number) => relay.requests.slice(mark).map(described);

  /** Stock curl to the gateway as alice of the IdP, via sp1: the status, and `curl -v`'s trace (without the token line) with the answer's body. */
  const curl = async (...args: string[]) => {
    const result = await runCli('curl', ['-sS', '-v', '-o', join(dir, 'answer'), '-w', '%{http_code}', '-H', `X-Auth-Token: ${idpToken}`, '-H', `SERVICE-PROVIDER: ${env.spId}`, ...args], {});
    const trace = result.stderr.split('\n').filter((line) => !/x-auth-token/i.test(line)).join('\n');
    const body = existsSync(join(dir, 'answer')) ? readFileSync(join(dir, 'answer'), 'utf8').slice(0, 1000) : '';
    return { status: Number(result.stdout), trace: `${trace}\n(answer body) ${body}` };
  };

  /** The image as the SP's own Glance shows it to the SP's admin, asked directly (not through relay or gateway). */
  const imageAtSp = async (id: string): Promise<GlanceImage> => {
    const response = await fetch(`${real.spImageEndpoint}/v2/images/${id}`, { headers: { 'x-auth-token': spAdmin.token } });
    if (response.status !== 200) throw new Error(`sp1's Glance answered ${response.status} for image ${id}`);
    return (await response.json()) as GlanceImage;
  };

  before(async () => {
    env = realFederation();
    real = realServices();
    dir = mkdtempSync(join(tmpdir(), 'k2k-expect-continue-'));
    writeFileSync(imageFile(), imageBytes);
    spAdmin = await KeystoneAdmin.login(env.spAuthUrl, env.adminUser, env.adminPassword, 'admin');
    relay = await RecordingRelay.start(real.spImageEndpoint, checkAtSp);
    await spAdmin.createService(RECORDED_IMAGE_TYPE, 'glance-behind-a-recording-relay');
    for (const endpointInterface of ['public', 'internal']) await spAdmin.createEndpoint(RECORDED_IMAGE_TYPE, env.region, endpointInterface, relay.url);

    // One worker on the memory store: the case needs no shared store.
    const config = {
      ...gatewayListening(await freePort(), 1),
      keystone: gatewayKeystone(env),
      local: { endpoints: { [RECORDED_IMAGE_TYPE]: real.idpImageEndpoint } },
      mounts: { '/image': RECORDED_IMAGE_TYPE },
      routing: { resource_types: { [RECORDED_IMAGE_TYPE]: ['images'] } },
    };
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(config, null, 2));
    ({ gateway, log } = await startLoggedGateway(join(dir, 'gateway.json')));
    idpToken = await userToken(env);
  });

  after(async () => {
    if (imageId) await fetch(`${real.spImageEndpoint}/v2/images/${imageId}`, { method: 'DELETE', headers: { 'x-auth-token': spAdmin.token } });
    await gateway?.stop();
    await relay?.stop();
    await spAdmin?.undo();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an image made at sp1 through the gateway; a bodiless GET with Expect via sp1 reaches its Glance with an SP token, once', async () => {
    const mark = relay.requests.length;
    const created = await fetch(`${gateway!.url}/image/v2/images`, {
      method: 'POST',
      headers: { 'x-auth-token': idpToken, 'service-provider': env.spId, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `k2k-expect-${randomBytes(3).toString('hex')}`, disk_format: 'raw', container_format: 'bare' }),
    });
    expect(created.status, 'create through the gateway').to.equal(201);
    imageId = ((await created.json()) as GlanceImage).id;

    // A 401 from sp1 makes the gateway exchange a new token and send again: one request is one SP token, sent once.
    const shown = await curl('-H', 'Expect: 100-continue', `${gateway!.url}/image/v2/images/${imageId}`);
    expect(shown.trace, 'curl sent Expect: 100-continue').to.match(/^> Expect: 100-continue\r?$/im);
    expect({ answer: shown.status, atSp: seenSince(mark) }, `curl's trace:\n${shown.trace}`).to.deep.equal({
      answer: 200,
      atSp: [`POST /v2/images -> 201: ${spToken()}`, `GET /v2/images/${imageId} -> 200: ${spToken()}`],
    });
  });

  it('curl -T uploads the image whole to sp1, and only an SP token reaches its Glance', async function () {
    if (!imageId) this.skip();
    const mark = relay.requests.length;
    const logMark = log.mark();
    const upload = await curl('-T', imageFile(), '-H', 'Content-Type: application/octet-stream', `${gateway!.url}/image/v2/images/${imageId}/file`);
    expect(upload.trace, 'curl sent Expect: 100-continue (the case under test)').to.match(/^> Expect: 100-continue\r?$/im);
    expect({ answer: upload.status, atSp: seenSince(mark) }, `curl's trace:\n${upload.trace}`).to.deep.equal({
      answer: 204,
      atSp: [`PUT /v2/images/${imageId}/file -> 204: ${spToken()}`],
    });
    expect(relay.requests[mark].bodyBytes, 'body bytes that reached sp1').to.equal(imageBytes.length);
    await log.expect(logMark, (r) => r.method === 'PUT' && r.path === `/image/v2/images/${imageId}/file` && r.status === 204 && r.serviceProvider === env.spId, 'upload, answered by sp1');

    const stored = await imageAtSp(imageId!);
    expect(stored).to.include({ status: 'active', size: imageBytes.length, checksum: digest('md5', imageBytes), os_hash_algo: 'sha512' });
    expect(stored.os_hash_value).to.equal(digest('sha512', imageBytes));
  });
});
