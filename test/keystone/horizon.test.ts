import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort, KeystoneAdmin, startMemcached, type FederationEnv, type MemcachedServer } from '@k2k/testing';
import type { GatewayProcess } from '@k2k/gateway';
import { realFederation } from './real-keystone.js';
import { RecordingRelay, type RelayedRequest } from './recording-relay.js';
import {
  catalogCommand,
  removeCatalogEntries,
  gatewayKeystoneWithAdmin,
  gatewayListening,
  openstackAtSp,
  printedJson,
  realComputeNetwork,
  realHorizon,
  realServices,
  startLoggedGateway,
  stopLoggedGateway,
  userCloudAuth,
  type PrintedImage as Image,
  type PrintedVolume as Volume,
  type RealHorizon,
} from './stock-cli.js';

/** Where each step's screenshot goes (kept after the run). */
const SCREENSHOTS = process.env.K2K_HORIZON_SCREENSHOTS ?? '/tmp/k2k-horizon/screenshots';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What the SP's and the IdP's Keystones say of a token that reached one of sp1's services. */
interface TokenCheck {
  /** GET /v3/auth/tokens at the SP: 200 for a token the SP issued */
  sp: number;
  /** the same at the IdP: 404 for any token the IdP did not issue (alice's own would be 200) */
  idp: number;
  projectId?: string;
}

/** sp1's four services, each behind a recording relay registered in the SP's catalog under a type of this file's own. */
const SERVICES = [
  { mount: '/volume', type: 'k2k-horizon-volume', api: 'block-storage', horizonType: 'volumev3' },
  { mount: '/image', type: 'k2k-horizon-image', api: 'image', horizonType: 'image' },
  { mount: '/compute', type: 'k2k-horizon-compute', api: 'compute', horizonType: 'compute' },
  { mount: '/network', type: 'k2k-horizon-network', api: 'network', horizonType: 'network' },
] as const;

/**
 * Horizon, the single pane of glass (issue #29): real Horizon (horizon-up.sh, Debian's
 * openstack-dashboard) logged into the IdP's real Keystone, driven in Debian's Chromium by
 * playwright-core. The gateway's virtual region sp1 is in the IdP's catalog under the types Horizon
 * looks up (`catalog_types`); alice picks sp1 in the region menu and sees, and makes, sp1's
 * resources at its real Cinder, Glance, Nova and Neutron. sp1's services are each behind a
 * recording relay (recording-relay.ts) in the SP's catalog: every token the gateway sent them is
 * checked at both Keystones as it passes.
 */
describe('Horizon in Chromium: virtual region sp1 through the gateway, on the real services', function () {
  this.timeout(300_000);
  let env: FederationEnv;
  let horizon: RealHorizon;
  let spAdmin: KeystoneAdmin | undefined;
  let idpAdmin: KeystoneAdmin | undefined;
  const relays: RecordingRelay<TokenCheck>[] = [];
  let memcached: MemcachedServer | undefined;
  let gateway: GatewayProcess | undefined;
  let configFile: string;
  let registered = false;
  let browser: BrowserContext | undefined;
  let page: Page;
  let dir: string;
  let cliEnv: Record<string, string>;
  const suffix = randomBytes(3).toString('hex');
  const names = { volume: `k2k-hz-vol-${suffix}`, formVolume: `k2k-hz-form-${suffix}`, network: `k2k-hz-net-${suffix}`, server: `k2k-hz-srv-${suffix}`, image: `k2k-hz-img-${suffix}` };
  /** What the test made at the SP and has not deleted yet: removed in after(), newest first */
  const leftovers: [kind: string, id: string][] = [];
  let shots = 0;

  const atSp = (...args: string[]) => openstackAtSp(env, cliEnv, '--os-compute-api-version', '2.37', ...args);
  const atSpJson = <T>(...args: string[]): Promise<T> => printedJson<T>(atSp(...args, '-f', 'json'));
  const volumeNamesAtSp = async () => (await atSpJson<{ Name: string }[]>('volume', 'list')).map((v) => v.Name);
  const screenshot = async (what: string) => {
    const file = join(SCREENSHOTS, `${String(++shots).padStart(2, '0')}-${what}.png`);
    await page.screenshot({ path: file, fullPage: true });
  };
  const check = async (token: string): Promise<TokenCheck> => {
    const validate = (authUrl: string, admin: KeystoneAdmin) => fetch(`${authUrl}/auth/tokens`, { headers: { 'x-auth-token': admin.token, 'x-subject-token': token } });
    const [sp, idp] = await Promise.all([validate(env.spAuthUrl, spAdmin!), validate(env.idpAuthUrl, idpAdmin!)]);
    const body = (await sp.json().catch(() => undefined)) as { token?: { project?: { id?: string } } } | undefined;
    await idp.body?.cancel();
    return { sp: sp.status, idp: idp.status, projectId: body?.token?.project?.id };
  };
  const described = (request: RelayedRequest<TokenCheck>) => {
    const c = request.tokenCheck;
    const token = !c ? 'no token' : c.idp === 200 ? 'an IdP token' : c.sp === 200 ? `an SP token for project ${c.projectId}` : `a token the SP answers ${c.sp} for`;
    return `${request.method} ${request.path}: ${token}`;
  };
  /** A Horizon page in region sp1, once `text` shows on it (Horizon's tables load with the page; the images panel's with its Angular app). */
  const panel = async (path: string, text: string, what: string) => {
    await page.goto(`${horizon.url}${path}`);
    await page.getByText(text, { exact: true }).first().waitFor({ timeout: 60_000 });
    await screenshot(what);
  };

  before(async () => {
    env = realFederation();
    const real = realServices();
    const nova = realComputeNetwork();
    horizon = realHorizon();
    dir = mkdtempSync(join(tmpdir(), 'k2k-horizon-'));
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    console.log(`      (screenshots in ${SCREENSHOTS})`);
    spAdmin = await KeystoneAdmin.login(env.spAuthUrl, env.adminUser, env.adminPassword, 'admin');
    idpAdmin = await KeystoneAdmin.login(env.idpAuthUrl, env.adminUser, env.adminPassword, 'admin');
    const spEndpoints: Record<string, string> = {
      'k2k-horizon-volume': real.spVolumeEndpoint,
      'k2k-horizon-image': real.spImageEndpoint,
      'k2k-horizon-compute': nova.spComputeEndpoint,
      'k2k-horizon-network': nova.spNetworkEndpoint,
    };
    const idpEndpoints: Record<string, string> = {
      'k2k-horizon-volume': real.idpVolumeEndpoint,
      'k2k-horizon-image': real.idpImageEndpoint,
      'k2k-horizon-compute': nova.idpComputeEndpoint,
      'k2k-horizon-network': nova.idpNetworkEndpoint,
    };
    for (const { type } of SERVICES) {
      const relay = await RecordingRelay.start(spEndpoints[type], check);
      relays.push(relay);
      await spAdmin.createService(type, `${type}-behind-a-recording-relay`);
      for (const endpointInterface of ['public', 'internal']) await spAdmin.createEndpoint(type, env.region, endpointInterface, relay.url);
    }

    memcached = await startMemcached();
    const port = await freePort();
    const config = {
      ...gatewayListening(port, 2, { publicUrl: true }),
      keystone: gatewayKeystoneWithAdmin(env),
      local: { endpoints: idpEndpoints },
      mounts: Object.fromEntries(SERVICES.map((s) => [s.mount, s.type])),
      service_apis: Object.fromEntries(SERVICES.map((s) => [s.type, s.api])),
      catalog_types: Object.fromEntries(SERVICES.map((s) => [s.type, [s.horizonType]])),
      virtual_regions: [{ sp: env.spId }],
      store: { backend: 'memcached', servers: [memcached.location], secret_key: 'horizon-suite-store-secret' },
    };
    configFile = join(dir, 'gateway.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    ({ gateway } = await startLoggedGateway(configFile));
    registered = true;
    await catalogCommand('register', configFile);

    // What sp1 holds for alice's project, made there directly (the CLI's own K2K, not the gateway).
    const clouds = { clouds: { 'sp-direct': { auth: userCloudAuth(env), block_storage_endpoint_override: real.spVolumeEndpoint, image_endpoint_override: real.spImageEndpoint, network_endpoint_override: nova.spNetworkEndpoint } } };
    writeFileSync(join(dir, 'clouds.yaml'), JSON.stringify(clouds, null, 2));
    cliEnv = { HOME: dir, OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') };
    const file = join(dir, 'image.raw');
    writeFileSync(file, randomBytes(64 * 1024));
    const image = await atSpJson<Image>('image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', file, names.image);
    leftovers.push(['image', image.id]);
    const volume = await atSpJson<Volume>('volume', 'create', '--size', '1', names.volume);
    leftovers.push(['volume', volume.id]);
    const network = await atSpJson<{ id: string }>('network', 'create', names.network);
    leftovers.push(['network', network.id]);
    const server = await atSpJson<{ id: string }>('server', 'create', '--flavor', nova.flavor, '--image', image.id, '--nic', 'none', names.server);
    leftovers.push(['server', server.id]);

    // A fresh profile (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'chromium'), { executablePath: horizon.chromium, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(60_000);
  });

  after(async () => {
    await browser?.close();
    for (const [kind, id] of leftovers.reverse()) await atSp(kind, 'delete', id);
    if (registered) await removeCatalogEntries(configFile);
    if (gateway) await stopLoggedGateway(gateway);
    await memcached?.stop();
    for (const relay of relays) await relay.stop();
    await spAdmin?.undo();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('alice logs in at the IdP\'s Horizon; the region menu lists the local region and sp1; she picks sp1', async () => {
    await page.goto(`${horizon.url}/auth/login/`);
    await page.fill('#id_username', env.user);
    await page.fill('#id_password', env.userPassword);
    await screenshot('login');
    await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/auth/login')), page.click('#loginBtn')]);
    // The project menu's "Regions:" (services regions; Horizon's "Keystone Providers:" list beside it is its own K2K, not used here)
    await page.locator('.context-overview').first().click();
    const regionLinks = page.locator('a[href^="/auth/switch_services_region/"]');
    const regions = (await regionLinks.locator('.region-name').allTextContents()).map((r) => r.trim());
    // (other tests' regions may be in the shared catalog too)
    expect(regions).to.include.members([env.region, env.spId]);
    await screenshot('region-menu');
    await Promise.all([page.waitForURL(/\/project\//), page.locator(`a[href^="/auth/switch_services_region/${env.spId}/"]`).click()]);
    expect((await page.locator('.context-region').first().textContent())?.trim()).to.equal(env.spId);
    // The overview in sp1: sp1's limits, and its usage (Nova's os-simple-tenant-usage/<project>) listing sp1's server, with no error
    await page.getByText(names.server, { exact: true }).first().waitFor();
    await screenshot('region-sp1');
    expect(await page.locator('.alert-danger').allTextContents()).to.deep.equal([]);
  });

  it("the Volumes panel shows the volume at sp1's real Cinder", async () => {
    await panel('/project/volumes/', names.volume, 'volumes');
  });

  it("she creates a volume at sp1 through Horizon's form, and deletes it", async () => {
    await page.goto(`${horizon.url}/project/volumes/create/`);
    await page.fill('#id_name', names.formVolume);
    await page.fill('#id_size', '1');
    await screenshot('volume-form');
    await Promise.all([page.waitForURL(/\/project\/volumes\/$/), page.locator('form input[type=submit], form button[type=submit]').last().click()]);
    const row = page.locator('tr', { hasText: names.formVolume });
    await row.waitFor();
    // at sp1's Cinder itself
    const made = (await atSpJson<{ ID: string; Name: string }[]>('volume', 'list')).find((v) => v.Name === names.formVolume);
    expect(made, `volume ${names.formVolume} at sp1`).to.not.equal(undefined);
    leftovers.push(['volume', made!.ID]);
    // Horizon offers Delete once the volume is available (and owned by her project): reload until then
    for (let i = 0; i < 30 && !(await row.textContent())?.includes('Available'); i++) {
      await page.waitForTimeout(1000);
      await page.reload();
    }
    await screenshot('volume-created');
    await row.locator('.themable-checkbox label').click();
    await page.locator('#volumes__action_delete').click();
    await page.locator('.modal-footer .btn-danger').click();
    await page.getByText(/Scheduled deletion of Volume/).waitFor();
    await screenshot('volume-deleted');
    let remaining = await volumeNamesAtSp();
    for (let i = 0; i < 30 && remaining.includes(names.formVolume); i++) {
      await page.waitForTimeout(1000);
      remaining = await volumeNamesAtSp();
    }
    expect(remaining).to.not.include(names.formVolume);
    leftovers.splice(leftovers.findIndex(([, id]) => id === made!.ID), 1);
  });

  it("the Images panel lists sp1's images", async () => {
    await panel('/project/images', names.image, 'images');
  });

  it("the Instances panel shows sp1's server", async () => {
    await panel('/project/instances/', names.server, 'instances');
  });

  it("the Networks panel shows sp1's network", async () => {
    await panel('/project/networks/', names.network, 'networks');
  });

  it("every request Horizon made for the sp1 panels reached sp1's services with an SP token for alice's project there, none with an IdP token", () => {
    const seen = relays.flatMap((relay) => relay.requests);
    console.log(`      (${seen.length} requests reached sp1's services: ${SERVICES.map((s, i) => `${s.horizonType} ${relays[i].requests.length}`).join(', ')})`);
    // each of sp1's four services was reached through the gateway
    expect(relays.map((relay) => relay.requests.length > 0)).to.deep.equal([true, true, true, true]);
    const wrong = seen.filter((r) => !(r.tokenCheck?.sp === 200 && r.tokenCheck.idp === 404 && r.tokenCheck.projectId === env.spProjectId)).map(described);
    expect(wrong).to.deep.equal([]);
  });
});
