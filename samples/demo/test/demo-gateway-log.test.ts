import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { DemoGatewayLog } from '../src/demo-gateway-log.js';

describe("the demo's view of the gateway log", () => {
  it("shows each JSON line in a few words, once the line about the request asked for has come", async () => {
    const stdout = new PassThrough();
    const log = new DemoGatewayLog(stdout);
    stdout.write(`${JSON.stringify({ level: 'info', time: '2026-11-25T10:00:00.000Z', pid: 1, msg: 'gateway listening', port: 5001 })}\n`);
    const taken = log.take('req-1');
    setTimeout(() => {
      const request = { level: 'info', time: '2026-11-25T10:00:01.000Z', pid: 1, requestId: 'req-1', userId: 'u1', projectId: 'p1', method: 'GET', path: '/volume/v3/p1/volumes', status: 200, serviceProvider: 'sp1', ms: 4, msg: 'request' };
      stdout.write(`${JSON.stringify(request)}\n`);
    }, 50);
    const lines = await taken;
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/INFO: gateway listening \{"port":5001\}$/);
    expect(lines[1]).to.match(/INFO: request: GET \/volume\/v3\/p1\/volumes -> 200 from sp1 in 4 ms$/);
    expect(lines.join('\n')).not.to.match(/req-1|"u1"|"p1"/); // the ids stay in the JSON log
    stdout.write('not json\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await log.take(null)).to.deep.equal(['not json']);
  });
});
