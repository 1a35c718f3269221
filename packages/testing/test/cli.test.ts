import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('k2k-simulator CLI', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a federation, prints its env and writes it to --write-env, serves it, and stops on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'k2k-simulator-'));
    const envFile = join(dir, 'federation.env');
    // The bin's launcher (bin/k2k-simulator.cjs), as npx runs it
    const bin = join(__dirname, '..', '..', 'bin', 'k2k-simulator.cjs');
    const child = spawn(process.execPath, [bin, '--service-providers', 'sp1', '--write-env', envFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        output += chunk;
        if (output.includes("REGION='RegionOne'")) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its env`)));
    });
    const authUrl = /^IDP_AUTH_URL='([^']+)'/m.exec(output)?.[1];
    expect(authUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v3$/);
    expect(readFileSync(envFile, 'utf8')).to.include(`IDP_AUTH_URL='${authUrl}'`);
    expect((await fetch(authUrl as string)).status).to.equal(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).to.equal(0);
  });
});
