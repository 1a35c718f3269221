import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { expect } from 'chai';
import request from 'supertest';
import { startFederation, startMemcached, type Federation } from '@k2k/testing';
import { createGateway, type Gateway } from '../src/app/gateway.js';
import { createLogger } from '../src/app/logger.js';
import type { RegionEntry, RegionsDocument } from '../src/regions/regions-document.js';
import { configFor } from './fixtures.js';

/** The documented schema of the regions document, as shipped beside the gateway. */
const SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schema', 'regions.schema.json'), 'utf8')) as object;

/**
 * Discovery (`GET /k2k/v1/regions`) and placement through the gateway, in-process on the simulated
 * federation (the IdP's cloud, sp1, sp2): the document for the caller, checked against its schema,
 * with quotas, health and the operator's metadata; a placed create and its metric.
 */
describe('the gateway: regions document and placement', () => {
  let federation: Federation;
  let gateway: Gateway;
  const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
  const REGION_METADATA = {
    default: { cost: 4, sla: 99.5, location: 'on premises' },
    sp1: { cost: 1, sla: 99.9, location: 'eu-west, Frankfurt', labels: { tier: 'gold' } },
    sp2: { cost: 2, location: 'us-east' },
  };

  before(async () => {
    federation = await startFederation();
    gateway = createGateway(
      configFor(federation, { routing: { placement: 'headroom' }, region_metadata: REGION_METADATA, virtual_regions: [{ sp: 'sp1' }] }),
      createLogger('silent'),
    );
    federation.cloud('idp').volume.setQuota(federation.env.idpProjectId, { gigabytes: 10 });
    federation.cloud('sp1').volume.setQuota(federation.cloud('sp1').projects.demo.id, { gigabytes: 200, volumes: 5 });
    federation.cloud('sp2').volume.setQuota(federation.cloud('sp2').projects.demo.id, { gigabytes: -1 });
  });

  after(async () => {
    await gateway.close();
    await federation.close();
  });

  /** A new token each time: the document is cached per token. */
  const freshToken = () => federation.idp.issueToken('alice', 'demo');
  const regionsOf = async (token = freshToken()) => {
    const answer = await request(gateway.app).get('/k2k/v1/regions').set('x-auth-token', token).expect(200).expect('content-type', /application\/json/);
    return answer.body as RegionsDocument;
  };
  const named = (document: RegionsDocument, name: string) => document.regions.find((region) => region.name === name) as RegionEntry;

  it('describes every target the caller may use, valid against the documented schema', async () => {
    const document = await regionsOf();
    expect(validate(document), JSON.stringify(validate.errors)).to.equal(true);
    expect(document.placement).to.equal('headroom');
    expect(document.regions.map((region) => `${region.name}:${region.kind}:${region.reachable}`)).to.deep.equal(['default:local:true', 'sp1:service_provider:true', 'sp2:service_provider:true']);

    const sp1 = named(document, 'sp1');
    expect(sp1.metadata).to.deep.equal(REGION_METADATA.sp1);
    expect(sp1.virtual_regions).to.deep.equal(['sp1']);
    expect(sp1.project).to.deep.equal({ id: federation.cloud('sp1').projects.demo.id, name: 'demo' });
    expect(sp1.catalog).to.include.members(['volumev3', 'image']);
    expect(sp1.services.map((service) => `${service.mount}:${service.service_type}`)).to.deep.equal(['/volume:block-storage', '/image:image']);
    expect(sp1.services[0].quota).to.deep.equal({ volumes: { limit: 5, used: 0 }, gigabytes: { limit: 200, used: 0 } });
    expect(sp1.services[1].quota, 'Glance tells no quota').to.equal(null);
    expect(named(document, 'sp2').services[0].quota).to.deep.equal({ volumes: { limit: 10, used: 0 }, gigabytes: { limit: null, used: 0 } });
    expect(named(document, 'default').services[0].quota).to.deep.include({ gigabytes: { limit: 10, used: 0 } });
    expect(named(document, 'default').project).to.deep.equal({ id: federation.env.idpProjectId, name: 'demo' });
  });

  it('shows the health the gateway saw: a failing SP with its error rate', async () => {
    const token = freshToken();
    const volumes = `/volume/v3/${federation.env.idpProjectId}/volumes`;
    federation.cloud('sp2').volume.faults.set({ status: 503 }, 'volumes.list');
    try {
      for (let i = 0; i < 2; i++) await request(gateway.app).get(volumes).set('x-auth-token', token).set('service-provider', 'sp2').expect(503);
      await request(gateway.app).get(volumes).set('x-auth-token', token).set('service-provider', 'sp1').expect(200);
    } finally {
      federation.cloud('sp2').volume.faults.clear();
    }
    const document = await regionsOf(token);
    expect(validate(document), JSON.stringify(validate.errors)).to.equal(true);
    expect(named(document, 'sp2').services[0].health).to.include({ error_rate: 1 });
    expect(named(document, 'sp1').services[0].health).to.include({ error_rate: 0 });
    expect(named(document, 'sp1').services[0].health?.latency_ms).to.be.a('number');
    expect(named(document, 'sp1').services[0].health).to.have.all.keys('samples', 'error_rate', 'latency_ms', 'updated_at');
  });

  it('places a create with no header by the policy, names where it went, and counts it', async () => {
    // a gateway of its own (its own memory store): no health seen yet, so headroom alone decides
    const placing = createGateway(configFor(federation, { routing: { placement: 'headroom' } }), createLogger('silent'));
    try {
      const created = await request(placing.app)
        .post(`/volume/v3/${federation.env.idpProjectId}/volumes`)
        .set('x-auth-token', freshToken())
        .send({ volume: { name: 'placed', size: 20 } })
        .expect(202);
      expect(created.headers['x-k2k-service-provider']).to.equal('sp2'); // unlimited gigabytes
      const metrics = await placing.metrics.registry.metrics();
      expect(metrics).to.include('k2k_placements_total{target="sp2",policy="headroom"} 1');
    } finally {
      await placing.close();
    }
  });

  it('counts the skips of a create no cloud could take (502), and no placement', async () => {
    const placing = createGateway(configFor(federation, { routing: { placement: 'headroom' } }), createLogger('silent'));
    const clouds = ['idp', 'sp1', 'sp2'].map((name) => federation.cloud(name).volume);
    await Promise.all(clouds.map((volume) => volume.down()));
    try {
      await request(placing.app)
        .post(`/volume/v3/${federation.env.idpProjectId}/volumes`)
        .set('x-auth-token', freshToken())
        .send({ volume: { name: 'unplaced', size: 1 } })
        .expect(502);
      const metrics = await placing.metrics.registry.metrics();
      for (const target of ['default', 'sp1', 'sp2']) expect(metrics).to.include(`k2k_placement_skips_total{target="${target}",policy="headroom"} 1`);
      expect(metrics).to.not.match(/^k2k_placements_total\{/m);
    } finally {
      await Promise.all(clouds.map((volume) => volume.up()));
      await placing.close();
    }
  });

  /** The `/limits` reads each cloud's volume service received since `reset()`: one per document built. */
  const limitsReads = () => ['idp', 'sp1', 'sp2'].map((name) => federation.cloud(name).volume.requests.filter((received) => received.path.endsWith('/limits')).length);
  const resetServices = () => ['idp', 'sp1', 'sp2'].forEach((name) => federation.cloud(name).volume.reset());

  it('builds one document for a new token asked for 20 times at once (one /limits read per cloud)', async () => {
    resetServices();
    const token = freshToken();
    const documents = await Promise.all(Array.from({ length: 20 }, () => regionsOf(token)));
    expect(limitsReads()).to.deep.equal([1, 1, 1]);
    expect(new Set(documents.map((document) => document.generated_at)).size).to.equal(1);
  });

  it('builds one document per token across gateways sharing memcached (the lease), each answering its own callers', async () => {
    const memcached = await startMemcached();
    const store = { backend: 'memcached', servers: [memcached.location], secret_key: 'regions-test-secret' };
    const workers = [0, 1].map(() => createGateway(configFor(federation, { store }), createLogger('silent')));
    try {
      resetServices();
      const token = freshToken();
      const asked = workers.flatMap((worker) => Array.from({ length: 10 }, () => request(worker.app).get('/k2k/v1/regions').set('x-auth-token', token).expect(200)));
      const documents = (await Promise.all(asked)).map((answer) => answer.body as RegionsDocument);
      expect(limitsReads()).to.deep.equal([1, 1, 1]);
      expect(new Set(documents.map((document) => document.generated_at)).size).to.equal(1);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
      await memcached.kill();
    }
  });

  it('answers in OpenStack error JSON: no token 401, another method 405', async () => {
    const anonymous = await request(gateway.app).get('/k2k/v1/regions').expect(401);
    expect(anonymous.body.error).to.include({ code: 401 });
    expect(anonymous.headers['x-openstack-request-id']).to.match(/^req-/);
    const posted = await request(gateway.app).post('/k2k/v1/regions').set('x-auth-token', freshToken()).expect(405);
    expect(posted.body.error).to.include({ code: 405, title: 'Method Not Allowed' });
    expect(posted.headers.allow).to.equal('GET, HEAD');
  });

  it('lists only the service providers the configuration allows', async () => {
    const restricted = createGateway(configFor(federation, { service_providers: ['sp1'] }), createLogger('silent'));
    try {
      const answer = await request(restricted.app).get('/k2k/v1/regions').set('x-auth-token', freshToken()).expect(200);
      const document = answer.body as RegionsDocument;
      expect(document.regions.map((region) => region.name)).to.deep.equal(['default', 'sp1']);
      expect(document.placement).to.equal('local');
      expect(named(document, 'sp1').metadata).to.deep.equal({});
    } finally {
      await restricted.close();
    }
  });
});
