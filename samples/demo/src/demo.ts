/**
 * The demo: simulated clouds (an IdP and two service providers, each with a volume, an image and a
 * network service), the gateway on them (2 workers sharing memcached), and the K2K scenario walked step by
 * step. `scripts/demo.sh`, `npm run demo` at the root, or `npm start -w samples/demo` after a build.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { startGatewayProcess } from '@k2k/gateway';
import { freePort, NetworkService, startFederation, startMemcached, type Federation } from '@k2k/testing';
import { DemoGatewayLog } from './demo-gateway-log.js';

const line = (text = '') => console.log(text);
/** The gateway's log, shown under each call made to it */
let gatewayLog: { url: string; log: DemoGatewayLog } | undefined;
const OWN_ENDPOINT = /^\/(healthz|metrics)$/;
const step = (n: number, title: string) => line(`\n== ${n}. ${title}`);

/** Prints a call and its answer; shows tokens only as their length, never their value. */
async function call(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const shown = Object.entries(headers)
    .map(([name, value]) => `${name}: ${/token/i.test(name) ? `<${value.length}-char token>` : value}`)
    .join(', ');
  line(`   ${method} ${url}${shown ? `\n     headers: ${shown}` : ''}${body ? `\n     body: ${JSON.stringify(body)}` : ''}`);
  const response = await fetch(url, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: show as text
  }
  const sp = response.headers.get('x-k2k-service-provider');
  line(`   -> ${response.status}${sp ? `, X-K2K-Service-Provider: ${sp}` : ''}, x-openstack-request-id: ${response.headers.get('x-openstack-request-id')}`);
  line(`      ${JSON.stringify(json).slice(0, 300)}`);
  if (gatewayLog && url.startsWith(gatewayLog.url)) {
    // No request line comes for the gateway's own endpoints: nothing to wait for (during a drain, waiting would outlast its grace).
    const requestId = OWN_ENDPOINT.test(new URL(url).pathname) ? null : response.headers.get('x-openstack-request-id');
    for (const logged of await gatewayLog.log.take(requestId)) line(`      gateway log: ${logged}`);
  }
  return { status: response.status, headers: response.headers, json };
}

function keystoneCalls(federation: Federation): string {
  return federation.clouds.map((cloud) => `${cloud.name}: ${cloud.keystone.calls.count()}`).join(', ');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k2k-demo-'));
  const federation = await startFederation({ serviceProviders: ['sp1', 'sp2'] });
  const memcached = await startMemcached();
  const neutrons = await Promise.all(federation.clouds.map((cloud) => NetworkService.startIn(cloud.keystone, federation.env.region)));
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
  try {
    const env = federation.env;
    const idpCloud = federation.cloud('idp');
    line('Simulated clouds (from @k2k/testing):');
    federation.clouds.forEach((cloud, i) => line(`  ${cloud.name.padEnd(4)} Keystone ${cloud.keystone.authUrl}   volume ${cloud.volume.publicUrl}   image ${cloud.image.publicUrl}   network ${neutrons[i].publicUrl}`));
    line(`  memcached ${memcached.location}`);

    const config = {
      listen: { host: '127.0.0.1', port: await freePort() },
      workers: 2,
      keystone: { auth_url: env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', user_domain_name: 'Default', project_name: 'service', project_domain_name: 'Default' } },
      local: { name: 'default', endpoints: { volumev3: env.idpVolumeEndpoint, image: env.idpImageEndpoint, network: neutrons[0].publicUrl } },
      service_providers: 'auto',
      mounts: { '/volume': 'volumev3', '/image': 'image', '/network': 'network' },
      store: { backend: 'memcached', servers: [memcached.location], secret_key: 'demo-secret-change-me-0123', security_strategy: 'ENCRYPT' },
      drain: { grace_seconds: 1, timeout_seconds: 5 },
      log_level: 'info',
    };
    const configFile = join(dir, 'gateway.yaml');
    writeFileSync(configFile, stringify(config));
    line(`\nGateway config (${configFile}):\n${stringify(config).replace(/^/gm, '  ')}`);
    gateway = await startGatewayProcess(configFile, { logs: 'pipe' });
    const gw = gateway.url;
    gatewayLog = { url: gw, log: new DemoGatewayLog(gateway.child.stdout as NonNullable<typeof gateway.child.stdout>) };
    line(`Gateway up at ${gw} (2 workers).`);

    const sp1 = federation.cloud('sp1');
    const remoteVolume = sp1.volume.seed(sp1.projects.demo.id, { name: 'data-at-sp1', size: 10 });
    const localVolume = idpCloud.volume.seed(env.idpProjectId, { name: 'data-at-home', size: 1 });
    const sp2 = federation.cloud('sp2');
    const hiddenVolume = sp2.volume.seed(sp2.projects.demo.id, { name: 'made-behind-the-gateway', size: 5 });

    step(1, 'alice gets a token from her own Keystone (the IdP), scoped to project demo');
    const auth = await fetch(`${env.idpAuthUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 'alicepw' } } }, scope: { project: { name: 'demo', domain: { name: 'Default' } } } } }),
    });
    const token = auth.headers.get('x-subject-token') ?? '';
    const body = (await auth.json()) as { token: { expires_at: string; service_providers: { id: string }[] } };
    line(`   -> ${auth.status}: a ${token.length}-char token, expires ${body.token.expires_at}; federated clouds offered: ${body.token.service_providers.map((sp) => sp.id).join(', ')}`);
    const volumes = `${gw}/volume/v3/${env.idpProjectId}/volumes`;

    step(2, 'a volume at sp1, through the gateway, with the routing headers (the K2K exchange happens now)');
    await call('GET', `${volumes}/${remoteVolume.id}`, { 'X-Auth-Token': token, 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default', 'ENDPOINT-TYPE': 'public' });
    line(`   Keystone calls so far: ${keystoneCalls(federation)} (sp1's volume service got a token of sp1's Keystone, not alice's)`);

    step(3, 'the same call again: the remote token comes from memcached, no Keystone call');
    const before = keystoneCalls(federation);
    await call('GET', `${volumes}/${remoteVolume.id}`, { 'X-Auth-Token': token, 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'demo', 'PROJECT-DOMAIN': 'Default' });
    line(`   Keystone calls: before ${before}; after ${keystoneCalls(federation)}`);

    step(4, 'create a volume at sp2 (PROJECT-NAME omitted: the project named like alice\'s, demo, is chosen)');
    await call('POST', volumes, { 'X-Auth-Token': token, 'SERVICE-PROVIDER': 'sp2' }, { volume: { name: 'made-through-the-gateway', size: 2 } });

    step(5, 'no routing headers: the local cloud answers, with alice\'s own token');
    await call('GET', `${volumes}/${localVolume.id}`, { 'X-Auth-Token': token });

    step(6, 'no headers: a volume the gateway never saw (made at sp2 directly) found by search, learned, then reached without a probe; one list of every cloud');
    const requestsSeen = () => federation.clouds.map((cloud) => `${cloud.name}: ${cloud.volume.requests.length}`).join(', ');
    for (const cloud of federation.clouds) cloud.volume.reset();
    await call('GET', `${volumes}/${hiddenVolume.id}`, { 'X-Auth-Token': token });
    line(`   requests the volume services saw: ${requestsSeen()} (GET probes: local first, then every SP at once; a read goes to the first whose answer describes that volume, while the other probes finish and a second claimant would make the id ambiguous; then the real call at sp2)`);
    for (const cloud of federation.clouds) cloud.volume.reset();
    await call('GET', `${volumes}/${hiddenVolume.id}`, { 'X-Auth-Token': token });
    line(`   requests the volume services saw: ${requestsSeen()} (the location is in memcached, shared by both workers: no probe)`);
    line('   the cloud can also be named in the id or, on a create, in the name:');
    await call('GET', `${volumes}/${remoteVolume.id}@sp1`, { 'X-Auth-Token': token });
    await call('POST', volumes, { 'X-Auth-Token': token }, { volume: { name: 'scratch@sp2', size: 1 } });
    line('   one list across every cloud, 2 per page, sorted by name; the next link stays on the gateway:');
    type Page = { volumes: { name: string; 'k2k:service_provider': string }[]; volumes_links?: { href: string }[] };
    const showPage = (page: Page) => line(`   page: ${page.volumes.map((v) => `${v.name} (at ${v['k2k:service_provider']})`).join(', ')}`);
    const firstPage = (await call('GET', `${volumes}/detail?limit=2&sort=name:asc`, { 'X-Auth-Token': token, 'X-K2K-Include-Location': 'true' })).json as Page;
    showPage(firstPage);
    const next = firstPage.volumes_links?.[0]?.href;
    if (next) showPage((await call('GET', next, { 'X-Auth-Token': token, 'X-K2K-Include-Location': 'true' })).json as Page);
    line("   networks too: every cloud's Neutron in one list, paged Neutron's way (next and previous links, on the gateway):");
    federation.clouds.forEach((cloud, i) => neutrons[i].seed('networks', cloud === idpCloud ? env.idpProjectId : cloud.projects.demo.id, { name: `net-at-${cloud.name}` }));
    const networks = (await call('GET', `${gw}/network/v2.0/networks?limit=2&sort_key=name&sort_dir=asc`, { 'X-Auth-Token': token })).json as { networks: { name: string }[]; networks_links?: { rel: string }[] };
    line(`   network list page: ${networks.networks.map((n) => n.name).join(', ')}; links: ${(networks.networks_links ?? []).map((link) => link.rel).join(', ')}`);

    step(7, 'mistakes get OpenStack errors');
    await call('GET', volumes, { 'X-Auth-Token': token, 'SERVICE-PROVIDER': 'sp9' });
    await call('GET', volumes, { 'X-Auth-Token': token, 'SERVICE-PROVIDER': 'sp1', 'PROJECT-NAME': 'locked' });
    await call('GET', volumes, { 'X-Auth-Token': 'not-a-token' });

    step(8, 'health and metrics');
    await call('GET', `${gw}/healthz`, {});
    const metrics = await (await fetch(`${gw}/metrics`)).text();
    for (const metric of metrics.split('\n').filter((l) => /^k2k_(requests_total|exchanges_total|locations_total|searches_total|search_probes_total|cache_(hits|misses)_total)/.test(l))) line(`   ${metric}`);

    step(9, 'graceful stop: on SIGTERM /healthz answers 503 at once, requests are still served for the drain grace');
    const exited = once(gateway.child, 'exit');
    gateway.child.kill('SIGTERM');
    await sleep(200); // the primary passes the signal on to the workers
    await call('GET', `${gw}/healthz`, {});
    await call('GET', volumes, { 'X-Auth-Token': token });
    line(`   gateway exited with code ${(await exited)[0]}`);
    gateway = undefined;
    line('\nDemo complete.');
  } finally {
    await gateway?.stop();
    await Promise.all([federation.close(), memcached.stop(), ...neutrons.map((neutron) => neutron.stop())]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
