import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The main job (scripts/demo.sh runs it): the demo federation walked through to its end. */
describe('the demo', () => {
  it('walks through every step and ends with the gateway drained and stopped', async function () {
    this.timeout(120_000);
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(process.execPath, [join(__dirname, '..', 'src', 'demo.js')], { timeout: 110_000, maxBuffer: 16 * 1024 * 1024 }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
      );
    });
    expect(output, output.slice(-2000)).to.include('Demo complete.');
    expect(code).to.equal(0);
    expect(output).to.include('network list page: net-at-idp, net-at-sp1; links: next, previous');
    expect(output).to.match(/== 9\. graceful stop[\s\S]*-> 503[\s\S]*-> 200[\s\S]*gateway exited with code 0/);
  });
});
