/**
 * The packaging suite (`npm run test:packaging`, about 30 s with a warm npm cache): the publishable
 * packages installed the way a user installs them. Lerna lists them (every workspace package not
 * marked private, dependencies first), `npm pack` packs each into a temporary directory outside the
 * repository, and four fresh consumer projects there install the tarballs (third-party
 * dependencies from the registry, the npm cache first): a CommonJS and an ES module app each answer
 * one request through keystoneAuth + k2kForward on the simulated federation of @k2k/testing, so do
 * a NestJS, a Fastify (@fastify/express) and a Connect on node:http app (the last also calls sp1
 * through k2kClient), and a
 * strict TypeScript project (module node20, skipLibCheck off) type-checks against every package's
 * published types. Everything runs in its own process group under a time limit; each step prints
 * its time. K2K_KEEP_PACKAGING_TMP=1 keeps the temporary directory (its path is printed).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFederation } from '@k2k/testing';

const REPO = join(__dirname, '..', '..', '..');
/** What the framework consumer installs beside the tarballs: the hosts people mount middleware in. */
const FRAMEWORKS = {
  '@nestjs/common': '^12.6.3',
  '@nestjs/core': '^12.6.3',
  '@nestjs/platform-express': '^12.6.3',
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.2',
  fastify: '^5.12.8',
  '@fastify/express': '^4.0.7',
  connect: '^3.7.0',
};
const CONSUMERS = join(REPO, 'test', 'packaging', 'consumers');

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment for the npm and node processes: without what `npm run` adds about this repository. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { npm_config_update_notifier: 'false' };
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_|^npm_command$|^npm_config_local_prefix$|^INIT_CWD$/.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/** Runs a command in its own process group; the whole group is killed once it runs past timeoutMs. */
async function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  const started = performance.now();
  const child = spawn(command, args, { cwd, env: childEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const ran = { code, signal, stdout, stderr, ms: performance.now() - started };
  if (timedOut) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) ran past ${timeoutMs / 1000} s\n${tail(ran)}`);
  return ran;
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs it and expects exit code 0. */
async function ok(label: string, command: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  const ran = await run(command, args, cwd, timeoutMs);
  timing(label, ran.ms);
  if (ran.code !== 0) throw new Error(`${label}: ${command} ${args.join(' ')} exited with ${ran.code ?? ran.signal}\n${tail(ran)}`);
  return ran;
}

function tail(ran: Ran): string {
  return `--- stdout\n${ran.stdout.slice(-3000)}\n--- stderr\n${ran.stderr.slice(-3000)}`;
}

const timings: Array<[string, number]> = [];
function timing(label: string, ms: number): void {
  timings.push([label, ms]);
  console.log(`      timing: ${label}: ${(ms / 1000).toFixed(1)} s`);
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  main?: string;
  types?: string;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  files?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface Publishable {
  name: string;
  version: string;
  location: string;
}

interface Packed {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}

/** Every file below dir, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/** The package a bare specifier names: `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

const BARE_IMPORTS = { js: /require\(\s*['"]([^'"]+)['"]\s*\)/g, dts: /(?:from\s+|import\(\s*)['"]([^'"]+)['"]/g };

/**
 * The bare imports of these files (below dir) that the manifest does not declare as dependencies:
 * every require of a .js/.cjs file must be a dependency; a .d.ts import may also be typed by @types/<name>.
 */
function undeclaredImports(dir: string, files: string[], manifest: Manifest): string[] {
  const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));
  const missing: string[] = [];
  for (const file of files) {
    const types = file.endsWith('.d.ts');
    if (!types && !/\.c?js$/.test(file)) continue;
    for (const [, specifier] of readFileSync(join(dir, file), 'utf8').matchAll(types ? BARE_IMPORTS.dts : BARE_IMPORTS.js)) {
      if (!specifier || specifier.startsWith('.') || isBuiltin(specifier)) continue;
      const dependency = packageOf(specifier);
      const typedBy = `@types/${dependency.replace(/^@/, '').replace('/', '__')}`;
      if (!dependencies.has(dependency) && !(types && dependencies.has(typedBy))) missing.push(`${file}: ${specifier}`);
    }
  }
  return missing;
}

/** The files (relative to dir) that loading the entries loads through relative requires. */
function relativeGraph(dir: string, entries: string[]): string[] {
  const seen = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(join(dir, file), 'utf8').matchAll(BARE_IMPORTS.js)) {
      if (specifier?.startsWith('.')) pending.push(relative(dir, join(dir, dirname(file), specifier)));
    }
  }
  return [...seen].sort();
}

/** What a consumer of each kind installs: every tarball, plus what its app itself uses. */
function consumerManifest(kind: string, tarballs: Map<string, string>, extra: Record<string, string>, type?: 'module'): object {
  const dependencies: Record<string, string> = {};
  for (const [name, path] of tarballs) dependencies[name] = `file:${path}`;
  return { name: `k2k-consumer-${kind}`, version: '1.0.0', private: true, license: 'UNLICENSED', ...(type && { type }), dependencies: { ...dependencies, ...extra } };
}

describe('packaging: npm pack, then fresh consumers outside the repository', function () {
  this.timeout(240000);

  const suiteStarted = performance.now();
  const root = realpathSync(tmpdir());
  let work = '';
  let publishable: Publishable[] = [];
  const manifests = new Map<string, Manifest>();
  const packed = new Map<string, Packed>();
  const tarballs = new Map<string, string>();
  const consumer = { cjs: '', esm: '', ts: '', frameworks: '' };
  const lernaVersion = readJson<{ version: string }>(join(REPO, 'lerna.json')).version;

  before('pack every publishable package and install the tarballs into four fresh consumers', async function () {
    const started = performance.now();
    work = mkdtempSync(join(root, 'k2k-packaging-'));
    const outside = relative(REPO, work);
    expect(outside.startsWith('..') || isAbsolute(outside), `${work} must be outside ${REPO}`).to.equal(true);

    const listed = await ok('lerna list (publishable packages, dependencies first)', join(REPO, 'node_modules', '.bin', 'lerna'), ['list', '--json', '--toposort', '--no-private', '--loglevel', 'silent'], REPO, 30000);
    publishable = JSON.parse(listed.stdout) as Publishable[];
    expect(publishable.map((p) => p.name)).to.include.members(['@k2k/common', '@k2k/store', '@k2k/keystone', '@k2k/engine', '@k2k/keystone-auth', '@k2k/k2k-forward', '@k2k/client', '@k2k/gateway', '@k2k/testing']);
    for (const p of publishable) {
      manifests.set(p.name, readJson<Manifest>(join(p.location, 'package.json')));
      const entry = join(p.location, 'dist', 'src', 'index.js');
      if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run test:packaging builds)`);
    }

    const tgz = join(work, 'tarballs');
    mkdirSync(tgz);
    const workspaces = publishable.flatMap((p) => ['--workspace', relative(REPO, p.location)]);
    const pack = await ok(`npm pack (${publishable.length} packages)`, 'npm', ['pack', '--json', '--pack-destination', tgz, ...workspaces], REPO, 60000);
    for (const result of JSON.parse(pack.stdout) as Packed[]) {
      packed.set(result.name, result);
      tarballs.set(result.name, join(tgz, result.filename));
    }

    const rootManifest = readJson<Manifest>(join(REPO, 'package.json'));
    const gatewayManifest = readJson<Manifest>(join(REPO, 'packages', 'gateway', 'package.json'));
    const express = gatewayManifest.dependencies?.express as string;
    const dev = rootManifest.devDependencies ?? {};
    const kinds = {
      cjs: { files: ['app.cjs'], extra: { express }, type: undefined },
      esm: { files: ['app.mjs'], extra: { express }, type: 'module' as const },
      ts: {
        files: ['typed.ts', 'typed.mts', 'tsconfig.json'],
        extra: { express, typescript: dev.typescript as string, '@types/node': dev['@types/node'] as string, '@types/express': dev['@types/express'] as string },
        type: undefined,
      },
      frameworks: { files: ['frameworks/cross.mjs', 'frameworks/nest.mjs', 'frameworks/fastify.mjs', 'frameworks/node-http.mjs'], extra: FRAMEWORKS, type: 'module' as const },
    };
    await Promise.all(
      Object.entries(kinds).map(async ([kind, { files, extra, type }]) => {
        const dir = join(work, `consumer-${kind}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'package.json'), `${JSON.stringify(consumerManifest(kind, tarballs, extra, type), null, 2)}\n`);
        for (const file of files) copyFileSync(join(CONSUMERS, file), join(dir, basename(file)));
        await ok(`npm install in the ${kind} consumer`, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], dir, 120000);
        consumer[kind as keyof typeof consumer] = dir;
      }),
    );
    timing('packing and installing, in all', performance.now() - started);
  });

  after(function () {
    if (!work) return;
    if (process.env.K2K_KEEP_PACKAGING_TMP) console.log(`      kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
    console.log(`      timing: the whole suite: ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s (${timings.length} steps timed)`);
  });

  it('every publishable package: exports map, LICENSE, engines, lerna version; the tarball holds dist/src, its sources, README and LICENSE, and no tests', function () {
    for (const { name, version } of publishable) {
      const manifest = manifests.get(name) as Manifest;
      expect(version, `${name}: lerna.json fixes every version`).to.equal(lernaVersion);
      expect(manifest.license, name).to.equal('Apache-2.0');
      expect(manifest.engines?.node, name).to.equal('^20.19.0 || ^22.12.0 || ^24.0.0');
      expect(manifest.exports?.['.'], name).to.deep.equal({ types: './dist/src/index.d.ts', require: './dist/src/index.js', default: './dist/src/index.js' });
      expect(manifest.exports?.['./package.json'], name).to.equal('./package.json');
      expect(manifest.files, name).to.include('LICENSE');
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
        if (dependency.startsWith('@k2k/')) expect(range, `${name} -> ${dependency}: exact, as lerna version --exact keeps it`).to.equal(lernaVersion);
      }

      const files = new Set((packed.get(name) as Packed).files.map((file) => file.path));
      for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts']) expect(files.has(required), `${name} tarball: ${required}`).to.equal(true);
      expect([...files].filter((path) => !/^(dist\/src|src|bin|fixtures|schema)\/|^(package\.json|README\.md|LICENSE|grafana-dashboard\.json)$/.test(path)), `${name} tarball: unexpected files`).to.deep.equal([]);
      const stale = [...files].filter((path) => path.startsWith('dist/src/') && path.endsWith('.js') && !files.has(path.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
      expect(stale, `${name} tarball: compiled files without a source (stale dist: clean and rebuild)`).to.deep.equal([]);
      for (const target of Object.values(manifest.bin ?? {})) expect(files.has(target), `${name} tarball: bin ${target}`).to.equal(true);
    }
  });

  it('every runtime require and every type import of dist/src is a dependency of its package', function () {
    for (const { name, location } of publishable) {
      const manifest = manifests.get(name) as Manifest;
      const src = join(location, 'dist', 'src');
      expect(undeclaredImports(src, walk(src), manifest), `${name}: imports that are not dependencies`).to.deep.equal([]);
    }
  });

  it('@k2k/common, the contract at the bottom of the tree, has no dependencies; @k2k/store and @k2k/keystone build on it', function () {
    const common = manifests.get('@k2k/common') as Manifest;
    expect({ ...common.dependencies, ...common.peerDependencies, ...common.optionalDependencies }).to.deep.equal({});
    for (const name of ['@k2k/store', '@k2k/keystone']) expect(manifests.get(name)?.dependencies, name).to.have.property('@k2k/common', lernaVersion);
  });

  it("@k2k/gateway's runtime (bin/k2k-gateway.cjs and every module cli/main.js loads) needs only its dependencies, not @k2k/testing", function () {
    const gateway = join(REPO, 'packages', 'gateway');
    const manifest = readJson<Manifest>(join(gateway, 'package.json'));
    expect(manifest.bin?.['k2k-gateway']).to.equal('bin/k2k-gateway.cjs');
    expect(manifest.dependencies).to.not.have.property('@k2k/testing');
    const loaded = relativeGraph(gateway, [manifest.bin?.['k2k-gateway'] as string]);
    expect(loaded).to.include('dist/src/cli/main.js');
    expect(undeclaredImports(gateway, loaded, manifest), 'imports that are not dependencies').to.deep.equal([]);
  });

  for (const [kind, app] of [
    ['CommonJS', 'app.cjs'],
    ['ES module', 'app.mjs'],
  ] as const) {
    it(`${kind === 'CommonJS' ? 'a' : 'an'} ${kind} app: dist/ is closed (ERR_PACKAGE_PATH_NOT_EXPORTED), and keystoneAuth + k2kForward on a memory store answer a request at sp1 of the simulator`, async function () {
      const dir = kind === 'CommonJS' ? consumer.cjs : consumer.esm;
      const ran = await ok(`the ${kind} app`, process.execPath, [app], dir, 30000);
      const result = JSON.parse(ran.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
      expect(result).to.deep.include({
        deepImport: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
        testFixture: kind === 'CommonJS' ? 'MODULE_NOT_FOUND' : 'ERR_MODULE_NOT_FOUND',
        storeVersion: lernaVersion,
        optionError: true,
        status: 200,
        serviceProvider: 'sp1',
        volumes: true,
      });
      expect(result.sp1Requests).to.be.at.least(1);
    });
  }

  for (const [host, app] of [
    ['a NestJS app (its Express adapter)', 'nest.mjs'],
    ['a Fastify app through @fastify/express', 'fastify.mjs'],
    ['a plain node:http server through Connect', 'node-http.mjs'],
  ] as const) {
    it(`${host}: keystoneAuth + k2kForward from the tarballs answer a request at sp1 of the simulator`, async function () {
      const ran = await ok(host, process.execPath, [app], consumer.frameworks, 30000);
      const result = JSON.parse(ran.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
      expect(result).to.deep.include({ status: 200, serviceProvider: 'sp1', volumes: true });
      expect(result.sp1Requests).to.be.at.least(1);
      // The same process's own call to sp1 through k2kClient, the engine's outgoing face.
      if (app === 'node-http.mjs') expect(result.client).to.deep.equal({ status: 200, serviceProvider: 'sp1', name: 'through-the-client' });
    });
  }

  it('a strict TypeScript project (module node20, skipLibCheck off) type-checks against every package, and cannot reach dist/', async function () {
    const tsc = join(consumer.ts, 'node_modules', 'typescript', 'bin', 'tsc');
    await ok('tsc --noEmit in the TypeScript consumer', process.execPath, [tsc, '-p', consumer.ts], consumer.ts, 60000);
  });

  it("@k2k/testing's bin from the tarball: k2k-simulator --write-env writes the env, serves it, and stops on SIGTERM", async function () {
    const envFile = join(consumer.cjs, 'federation.env');
    const bin = join(consumer.cjs, 'node_modules', '.bin', 'k2k-simulator');
    const started = performance.now();
    const child = spawn(bin, ['--service-providers', 'sp1', '--write-env', envFile], { cwd: consumer.cjs, env: childEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      let errors = '';
      child.stderr.on('data', (chunk) => (errors += chunk));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no env printed within 20 s\n${output}\n${errors}`)), 20000);
        child.stdout.on('data', (chunk) => {
          output += chunk;
          if (output.includes("REGION='RegionOne'")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its env\n${output}\n${errors}`)));
      });
      const authUrl = /^IDP_AUTH_URL='([^']+)'/m.exec(readFileSync(envFile, 'utf8'))?.[1];
      expect(authUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v3$/);
      expect((await fetch(authUrl as string, { signal: AbortSignal.timeout(5000) })).status).to.equal(200);
      child.kill('SIGTERM');
      const [code] = (await Promise.race([once(child, 'exit'), sleep(10000).then(() => ['still running 10 s after SIGTERM'])])) as [unknown];
      expect(code).to.equal(0);
      timing('k2k-simulator from the tarball, up and down', performance.now() - started);
    } finally {
      if (child.exitCode === null) killGroup(child.pid);
    }
  });

  it("@k2k/gateway's bin from the tarball: --help; a config with a misspelt key exits 2 naming it; a valid one serves the simulated federation until SIGTERM", async function () {
    const bin = join(consumer.cjs, 'node_modules', '.bin', 'k2k-gateway');
    const help = await ok('k2k-gateway --help from the tarball', bin, ['--help'], consumer.cjs, 30000);
    expect(help.stdout).to.include('k2k-gateway --config FILE').and.include('k2k-gateway catalog print|register|remove');

    const federation = await startFederation({ serviceProviders: ['sp1'] });
    const { env } = federation;
    const config = {
      listen: { host: '127.0.0.1', port: 0 },
      keystone: { auth_url: env.idpAuthUrl, service_auth: { username: env.serviceUser, password: env.servicePassword, project_name: env.serviceProject } },
      local: { endpoints: { volumev3: env.idpVolumeEndpoint } },
      mounts: { '/volume': 'volumev3' },
      drain: { grace_seconds: 0, timeout_seconds: 5 },
    };
    const configFile = (name: string, value: object) => {
      const file = join(consumer.cjs, name);
      writeFileSync(file, JSON.stringify(value));
      return file;
    };
    let child: ReturnType<typeof spawn> | undefined;
    try {
      const misspelt = await run(bin, ['--config', configFile('misspelt.json', { ...config, routing: { lern: true } })], consumer.cjs, 30000);
      timing('k2k-gateway --config with a misspelt key', misspelt.ms);
      expect(misspelt.code, tail(misspelt)).to.equal(2);
      expect(misspelt.stderr).to.match(/routing\.lern: unknown option; did you mean "learn"/);

      const started = performance.now();
      const gateway = spawn(bin, ['--config', configFile('gateway.json', config)], { cwd: consumer.cjs, env: childEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child = gateway;
      let errors = '';
      gateway.stderr.on('data', (chunk) => (errors += chunk));
      // The port it chose (listen.port 0) is in its "gateway listening" log line.
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        gateway.stdout.on('data', (chunk) => {
          output += chunk;
          const listening = output.split('\n').slice(0, -1).map((line) => /"msg":"gateway listening"/.test(line) && (JSON.parse(line) as { port: number }).port).find(Boolean);
          if (listening) resolve(listening);
        });
        gateway.once('exit', (code) => reject(new Error(`exited with ${code} before listening\n${output}\n${errors}`)));
      });
      const token = federation.idp.issueToken('alice', 'demo');
      const answer = await fetch(`http://127.0.0.1:${port}/volume/v3/${env.idpProjectId}/volumes`, { headers: { 'x-auth-token': token, 'SERVICE-PROVIDER': 'sp1' }, signal: AbortSignal.timeout(10000) });
      expect(answer.status, await answer.text()).to.equal(200);
      expect(answer.headers.get('x-k2k-service-provider')).to.equal('sp1');
      expect(federation.cloud('sp1').volume.requests).to.have.length(1);
      gateway.kill('SIGTERM');
      const [code] = (await Promise.race([once(gateway, 'exit'), sleep(15000).then(() => ['still running 15 s after SIGTERM'])])) as [unknown];
      expect(code, errors).to.equal(0);
      timing('k2k-gateway from the tarball, up, one request at sp1, down', performance.now() - started);
    } finally {
      if (child?.exitCode === null) killGroup(child.pid);
      await federation.close();
    }
  });

  it('in the repository, npx finds the workspace bins: k2k-simulator and k2k-gateway', async function () {
    const simulator = await ok('npx k2k-simulator --help (repository root)', 'npm', ['exec', '--no', '--', 'k2k-simulator', '--help'], REPO, 30000);
    expect(simulator.stdout).to.include('usage: k2k-simulator').and.include('--write-env');
    const gateway = await run('npm', ['exec', '--no', '--', 'k2k-gateway'], REPO, 30000);
    timing('npx k2k-gateway without --config (repository root)', gateway.ms);
    expect(gateway.code, tail(gateway)).to.equal(2);
    expect(gateway.stderr).to.include('--config');
    expect(dirname(realpathSync(join(REPO, 'node_modules', '.bin', 'k2k-gateway')))).to.equal(join(realpathSync(REPO), 'packages', 'gateway', 'bin'));
  });
});
