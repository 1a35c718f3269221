import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startFederation, type Federation } from '@k2k/testing';
import { parseCommandLine } from '../src/cli/command-line.js';
import { configFolder } from './fixtures.js';

/** Runs `main.js args` to its end. */
function runMain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'cli', 'main.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the command line', () => {
  it('serves by default, runs a catalog action, or asks for help', () => {
    expect(parseCommandLine(['--config', 'gw.yaml'])).to.deep.equal({ kind: 'serve', configFile: 'gw.yaml' });
    expect(parseCommandLine(['-c', 'gw.yaml'])).to.deep.equal({ kind: 'serve', configFile: 'gw.yaml' });
    expect(parseCommandLine(['catalog', 'register', '--config', 'gw.yaml'])).to.deep.equal({ kind: 'catalog', action: 'register', configFile: 'gw.yaml' });
    expect(parseCommandLine(['--config', 'gw.yaml', 'catalog', 'print'])).to.deep.equal({ kind: 'catalog', action: 'print', configFile: 'gw.yaml' });
    expect(parseCommandLine(['--check-config', '--config', 'gw.yaml'])).to.deep.equal({ kind: 'check', configFile: 'gw.yaml' });
    expect(parseCommandLine(['--help'])).to.deep.equal({ kind: 'help' });
    expect(parseCommandLine(['catalog', '-h'])).to.deep.equal({ kind: 'help' });
  });

  it('runs project sync polling, once, or as a dry run', () => {
    expect(parseCommandLine(['sync', '--config', 'gw.yaml'])).to.deep.equal({ kind: 'sync', configFile: 'gw.yaml', once: false, dryRun: false });
    expect(parseCommandLine(['sync', '--once', '--config', 'gw.yaml'])).to.deep.equal({ kind: 'sync', configFile: 'gw.yaml', once: true, dryRun: false });
    expect(parseCommandLine(['sync', '--dry-run', '-c', 'gw.yaml'])).to.deep.equal({ kind: 'sync', configFile: 'gw.yaml', once: false, dryRun: true });
    expect(() => parseCommandLine(['--once', '--config', 'gw.yaml'])).to.throw(/^--once: only with sync\nUsage:/);
    expect(() => parseCommandLine(['catalog', 'print', '--dry-run', '--config', 'gw.yaml'])).to.throw(/^--dry-run: only with sync/);
    expect(() => parseCommandLine(['sync', 'now', '--config', 'gw.yaml'])).to.throw(/^command line: unknown command "sync now"/);
  });

  it('refuses anything else, naming what is wrong, with the usage', () => {
    expect(() => parseCommandLine([])).to.throw(/^--config: give the gateway config file/);
    expect(() => parseCommandLine(['catalog', 'frob', '--config', 'gw.yaml'])).to.throw(/^catalog: give one of print, register, remove\nUsage:/);
    expect(() => parseCommandLine(['catalog', '--config', 'gw.yaml'])).to.throw(/^catalog: give one of print, register, remove/);
    expect(() => parseCommandLine(['frob', '--config', 'gw.yaml'])).to.throw(/^command line: unknown command "frob"/);
    expect(() => parseCommandLine(['catalog', 'print', 'now', '--config', 'gw.yaml'])).to.throw(/^command line: unknown command "catalog print now"/);
    expect(() => parseCommandLine(['--confg', 'gw.yaml'])).to.throw(/^command line: Unknown option '--confg'/);
  });

  describe('main.js', function () {
    this.timeout(10_000);
    let federation: Federation;
    const folder = configFolder();

    before(async () => {
      federation = await startFederation({ serviceProviders: ['sp1'] });
    });

    after(async () => {
      folder.remove();
      await federation.close();
    });

    it('prints the usage for --help and exits 0', async () => {
      const { code, stdout } = await runMain(['--help']);
      expect(code).to.equal(0);
      expect(stdout).to.match(/^Usage:\n {2}k2k-gateway --config FILE/);
      expect(stdout).to.include('k2k-gateway catalog print|register|remove --config FILE');
    });

    it('exits 2 with the usage for a bad command line', async () => {
      const { code, stderr } = await runMain(['catalog', 'frob', '--config', 'x.yaml']);
      expect(code).to.equal(2);
      expect(stderr).to.match(/^k2k gateway: catalog: give one of print, register, remove\nUsage:/);
    });

    it('runs catalog print on a config file, changing nothing', async () => {
      const file = folder.write('gateway.json', {
        listen: { host: '127.0.0.1', port: 5001 },
        keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
        local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint } },
        mounts: { '/volume': 'volumev3' },
        virtual_regions: 'auto',
      });
      const { code, stdout, stderr } = await runMain(['catalog', 'print', '--config', file]);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(stdout.split('\n')).to.deep.equal([
        'create region sp1 (k2k-gateway virtual region for sp1)',
        'create endpoint sp1 volumev3 public http://127.0.0.1:5001/sp1/volume/v3/%(project_id)s',
        '(a dry run: nothing changed)',
        '',
      ]);
      expect(federation.idp.catalog.regions.map((region) => region.id)).to.deep.equal(['RegionOne']);
    });

    it('exits 2 naming the key when sync is asked of a config without it', async () => {
      const file = folder.write('no-sync.json', {
        keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } },
        local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint } },
        mounts: { '/volume': 'volumev3' },
      });
      const { code, stderr } = await runMain(['sync', '--once', '--config', file]);
      expect(code).to.equal(2);
      expect(stderr).to.match(/^k2k gateway: sync: sync: required by k2k-gateway sync/);
    });

    it('runs a sync dry run, changing nothing', async () => {
      const admin = { username: 'admin', password: 'adminpw', project_name: 'admin' };
      const file = folder.write('sync.json', {
        keystone: { auth_url: federation.env.idpAuthUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' }, admin_auth: admin },
        local: { endpoints: { volumev3: federation.env.idpVolumeEndpoint } },
        mounts: { '/volume': 'volumev3' },
        service_provider_settings: { sp1: { admin_auth: admin } },
        sync: { scope: { domain_name: 'Default' } },
      });
      const projects = federation.sp('sp1').directory.projects.length;
      const { code, stdout, stderr } = await runMain(['sync', '--dry-run', '--config', file]);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      const lines = stdout.split('\n').filter(Boolean);
      const demo = federation.cloud('idp').projects.demo;
      expect(lines).to.include(`sp1: create project demo (IdP project ${demo.id})`);
      expect(lines.at(-1)).to.equal('(a dry run: nothing changed)');
      expect(federation.sp('sp1').directory.projects).to.have.length(projects);
    });
  });
});
