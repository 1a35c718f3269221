import { expect } from 'chai';
import request from 'supertest';
import { OpenStackError } from '@k2k/keystone';
import type { Cloud, Federation } from '@k2k/testing';
import { parseApiRequest } from '../src/parse-request.js';
import { splitQualifiedId, splitQualifiedName } from '../src/qualifier.js';
import { ResourceTypes } from '../src/resource-types.js';
import { startFederatedGateway, type FederatedGateway, type TestGateway } from './gateway-fixture.js';

const PROJECT = '0123456789abcdef0123456789abcdef';
const VOLUMES = new ResourceTypes(['volumes', 'snapshots']);
const split = (path: string) => splitQualifiedId(parseApiRequest('GET', path, PROJECT), VOLUMES);

const malformed = (qualifier: string) => `Malformed qualifier ${JSON.stringify(qualifier)} in the resource id`;
/** A control character is refused in any segment (path-segment.ts), before the qualifier is read. */
const control = (segment: string) => `The request path segment ${JSON.stringify(segment)} contains a control character`;

/** Hostile `<id>@<cloud>` ids as sent in the path, and what the 400 says, naming the qualifier. */
const MALFORMED_IDS: [sent: string, message: string][] = [
  ['vol-1@sp1@sp2', malformed('@sp1@sp2')],
  ['vol-1%40sp1%40sp2', malformed('@sp1@sp2')],
  ['vol-1@@sp1', malformed('@@sp1')],
  ['vol-1@', malformed('@')],
  ['@sp1', malformed('@sp1')],
  ['@sp1%00', control('@sp1%00')],
  ['@sp1%0A', control('@sp1%0A')],
  ['@sp1%09', control('@sp1%09')],
  ['vol-1@sp1%00', control('vol-1@sp1%00')],
  ['vol-1@sp%C3%A9', malformed('@spé')],
  ['vol-1@sp%201', malformed('@sp 1')],
  ['..@sp1', malformed('@sp1')],
  ['%2E@sp1', malformed('@sp1')],
];

describe('splitQualifiedId: `<id>@<cloud>` in a resource id of the service', () => {
  it('takes the cloud off `<id>@<cloud>`, written plain or percent-encoded, and leaves the bare id everywhere', () => {
    for (const id of ['vol-1@sp1', 'vol-1%40sp1', 'vol-1%40Sp_1.x~-y']) {
      const cloud = id.endsWith('sp1') ? 'sp1' : 'Sp_1.x~-y';
      expect(split(`/v3/${PROJECT}/volumes/${id}/action?x=1`), id).to.deep.include({
        resourceId: 'vol-1',
        qualifier: cloud,
        rest: '/volumes/vol-1/action',
        resourcePath: '/volumes/vol-1',
        path: `/v3/${PROJECT}/volumes/vol-1/action`,
        query: '?x=1',
      });
    }
    expect(split(`/volume/v3/${PROJECT}/volumes/a%20b@default`)).to.deep.include({ resourceId: 'a b', qualifier: 'default', path: `/volume/v3/${PROJECT}/volumes/a%20b` });
  });

  it('refuses (400) every other id with an "@", naming the qualifier, instead of taking part of it as the id', () => {
    for (const [sent, message] of MALFORMED_IDS) {
      expect(() => split(`/v3/${PROJECT}/volumes/${sent}`), sent)
        .to.throw(OpenStackError, message)
        .with.property('status', 400);
    }
  });

  it("leaves other paths' '@' alone: Cinder's host@backend#pool is no qualifier", () => {
    for (const path of [`/v3/${PROJECT}/capabilities/host@backend%23pool`, `/v3/${PROJECT}/os-hosts/host@backend`, `/v3/${PROJECT}/scheduler-stats/get_pools@x@y`]) {
      const parsed = split(path);
      expect(parsed, path).to.not.have.property('qualifier');
      expect(parsed.path, path).to.equal(path);
    }
    expect(split(`/v3/${PROJECT}/volumes/plain`)).to.not.have.property('qualifier');
  });
});

describe('splitQualifiedName: `<name>@<cloud>` in a create', () => {
  const clouds = new Set(['sp1', 'sp2', 'default']);
  const isCloud = (cloud: string) => clouds.has(cloud);

  it('takes a cloud the caller can use off the end; a name whose suffix is none stays whole', () => {
    expect(splitQualifiedName('backup@sp1', isCloud)).to.deep.equal({ name: 'backup', cloud: 'sp1' });
    expect(splitQualifiedName('me@example.org@sp2', isCloud)).to.deep.equal({ name: 'me@example.org', cloud: 'sp2' });
    for (const name of ['backup', 'backup@home', 'me@example.org', 'a@sp1@home', 'x@sp1\u0000']) expect(splitQualifiedName(name, isCloud), name).to.equal(undefined);
  });

  it('refuses (400) a qualifier with no name, two clouds, a doubled "@" or an empty cloud, naming it', () => {
    const malformed: [string, string][] = [
      ['@sp1', '@sp1'],
      ['x@sp1@sp2', '@sp1@sp2'],
      ['x@@sp1', '@@sp1'],
      ['x@', '@'],
      ['@', '@'],
    ];
    for (const [name, qualifier] of malformed) {
      expect(() => splitQualifiedName(name, isCloud), name)
        .to.throw(OpenStackError, `Malformed qualifier ${JSON.stringify(qualifier)} in the new name ${JSON.stringify(name)}`)
        .with.property('status', 400);
    }
  });
});

/**
 * Through a gateway on the simulated federation: a malformed qualifier is refused before any cloud
 * hears of the request (no probe, no K2K exchange, no forward), and the good ones still route.
 */
describe('k2kForward: malformed qualifiers reach no cloud', () => {
  let federation: Federation;
  let gateway: TestGateway;
  let token: string;
  let setup: FederatedGateway;

  before(async () => {
    setup = await startFederatedGateway();
    ({ federation, gateway, token } = setup);
  });

  after(() => setup.close());

  beforeEach(() => {
    for (const cloud of federation.clouds) {
      cloud.volume.reset();
      cloud.keystone.calls.reset();
    }
  });

  const volumes = (suffix = '') => `/volume/v3/${federation.env.idpProjectId}${suffix}`;
  const sp = (name: string) => federation.cloud(name);
  const serviceProviders = () => federation.clouds.filter((cloud) => cloud.name !== 'idp');
  /** Every request a cloud's volume service handled, any route, found or not. */
  const heard = (cloud: Cloud) => cloud.volume.calls.calls.map((call) => `${call.method} ${call.path}`);
  const expectNoCloudHeard = (what: string) => {
    for (const cloud of federation.clouds) expect(heard(cloud), `${what}: ${cloud.name}'s volume service`).to.deep.equal([]);
    for (const cloud of serviceProviders()) expect(cloud.keystone.calls.count(), `${what}: ${cloud.name}'s Keystone`).to.equal(0);
  };

  it('answers 400 naming the qualifier of every malformed `<id>@<cloud>`, on reads and writes, and sends nothing anywhere', async () => {
    for (const [sent, message] of MALFORMED_IDS) {
      for (const method of ['get', 'delete'] as const) {
        const answer = await request(gateway.app)[method](volumes(`/volumes/${sent}`)).set('x-auth-token', token).expect(400);
        expect(answer.body.error, sent).to.include({ code: 400, title: 'Bad Request' });
        expect(answer.body.error.message, sent).to.include(message);
        expectNoCloudHeard(`${method} ${sent}`);
      }
    }
  });

  it('answers 400 naming the qualifier of a malformed `name@cloud` create, and creates nothing anywhere', async () => {
    for (const [name, qualifier] of [['@sp1', '@sp1'], ['x@sp1@sp2', '@sp1@sp2'], ['x@@sp1', '@@sp1'], ['x@', '@']]) {
      const answer = await request(gateway.app).post(volumes('/volumes')).set('x-auth-token', token).send({ volume: { size: 1, name } }).expect(400);
      expect(answer.body.error.message, name).to.include(`Malformed qualifier ${JSON.stringify(qualifier)} in the new name`);
      expectNoCloudHeard(name);
    }
  });

  it('still routes `<id>@sp1`, `<id>@<local name>` and `name@sp1` with the bare id and name', async () => {
    const remote = sp('sp1').volume.seed(sp('sp1').projects.demo.id, { name: 'r' });
    const shown = await request(gateway.app).get(volumes(`/volumes/${remote.id}@sp1`)).set('x-auth-token', token).expect(200);
    expect(shown.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(heard(sp('sp1'))).to.deep.equal([`GET /v3/${sp('sp1').projects.demo.id}/volumes/${remote.id}`]);
    const local = federation.cloud('idp').volume.seed(federation.env.idpProjectId, { name: 'l' });
    await request(gateway.app).get(volumes(`/volumes/${local.id}@default`)).set('x-auth-token', token).expect(200);
    expect(heard(federation.cloud('idp'))).to.deep.equal([`GET /v3/${federation.env.idpProjectId}/volumes/${local.id}`]);
    const created = await request(gateway.app).post(volumes('/volumes')).set('x-auth-token', token).send({ volume: { size: 1, name: 'me@example.org@sp1' } }).expect(202);
    expect(created.headers['x-k2k-service-provider']).to.equal('sp1');
    expect(sp('sp1').volume.volumes.get(created.body.volume.id)?.name).to.equal('me@example.org');
  });

  it("sends a path that names no resource of the service, '@' and all, to the local service untouched", async () => {
    for (const below of ['/capabilities/host@backend%23pool', '/capabilities/host@backend', '/os-hosts/host@backend']) {
      const answer = await request(gateway.app).get(volumes(below)).set('x-auth-token', token);
      expect(answer.status, below).to.not.equal(400);
      expect(answer.headers, below).to.not.have.property('x-k2k-service-provider');
      expect(heard(federation.cloud('idp')), below).to.deep.equal([`GET /v3/${federation.env.idpProjectId}${below}`]);
      for (const cloud of serviceProviders()) expect(heard(cloud), `${below}: ${cloud.name}`).to.deep.equal([]);
      federation.cloud('idp').volume.reset();
    }
  });
});
