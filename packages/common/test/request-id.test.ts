import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { globalRequestIdOf, OpenStackError, requestIdOf, writeOpenStackError } from '../src/index.js';

const UUID_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and the OpenStack error writer', () => {
  let server: Server;
  let url: string;
  /** What the handler saw, per request: its local id (asked twice) and the caller's global id */
  let seen: { first: string; second: string; global: string | undefined };

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen = { first: requestIdOf(req, res), second: requestIdOf(req, res), global: globalRequestIdOf(req) };
      const error = req.url === '/missing' ? new OpenStackError(404, 'No volume with that id.') : new Error('a secret internal detail');
      writeOpenStackError(req, res, error, { 'x-extra': 'yes' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('make one local req-<uuid> per request and answer it, with the error in OpenStack JSON', async () => {
    const response = await fetch(`${url}/missing`);
    expect(seen.first).to.match(UUID_ID).and.equal(seen.second);
    expect(response.status).to.equal(404);
    expect(response.headers.get('x-openstack-request-id')).to.equal(seen.first);
    expect(response.headers.get('x-extra')).to.equal('yes');
    expect(await response.json()).to.deep.equal({ error: { code: 404, title: 'Not Found', message: 'No volume with that id.' } });
  });

  it('answer anything that is not an OpenStackError as a 500 that reveals nothing', async () => {
    const response = await fetch(`${url}/broken`);
    expect(response.status).to.equal(500);
    const body = await response.text();
    expect(JSON.parse(body)).to.have.nested.property('error.title', 'Internal Server Error');
    expect(body).to.not.include('secret');
  });

  it("take the caller's x-openstack-request-id as the global id only in the req-<uuid> form", async () => {
    const global = 'req-0f8e3a52-8f3c-4c8e-9a55-2d3f4b6c7d8e';
    await fetch(url, { headers: { 'x-openstack-request-id': global } });
    expect(seen.global).to.equal(global);
    expect(seen.first).to.not.equal(global);
    for (const sent of ['req-not-a-uuid', 'REQ-0F8E3A52-8F3C-4C8E-9A55-2D3F4B6C7D8E', `${global}0`]) {
      await fetch(url, { headers: { 'x-openstack-request-id': sent } });
      expect(seen.global, sent).to.equal(undefined);
    }
    await fetch(url);
    expect(seen.global).to.equal(undefined);
  });
});
