import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

describe('k2k-simulator CLI', () => {
  it('starts a federation, prints its env, serves it, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'cli.js'), '--service-providers', 'sp1'], { stdio: ['ignore', 'pipe', 'inherit'] });
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
    expect((await fetch(authUrl as string)).status).to.equal(200);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).to.equal(0);
  });
});
