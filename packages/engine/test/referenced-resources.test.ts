import type { ResourceLocation } from '@k2k/store';
import { SharedStorage } from '../src/route/shared-storage.js';
import { check, LOCAL_NAME, PROJECT_ID, type CheckSetup } from './check.js';

const IMAGE = '5a3c0f5e-0b7e-4a38-9d5e-3f1b1c2d4e01';
const VOLUME = '9b1e2a70-6c4d-4e3f-8a2b-1c0d9e8f7a02';
const SNAPSHOT = '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e003';
const NETWORK = '7c6b5a49-3827-4160-9f8e-7d6c5b4a3904';
const PORT = '3e4d5c6b-7a89-4012-b3c4-d5e6f7a8b905';
const SERVER = 'c0ffee00-1234-4567-89ab-cdef01234506';

const at = (serviceProvider: string | null, projectId?: string): ResourceLocation => ({ serviceProvider, ...(projectId && { projectId }) });
const image = (location: ResourceLocation) => ({ serviceType: 'image', resourceType: 'images', id: IMAGE, location });
const volume = (location: ResourceLocation) => ({ serviceType: 'block-storage', resourceType: 'volumes', id: VOLUME, location });
const snapshot = (location: ResourceLocation) => ({ serviceType: 'block-storage', resourceType: 'snapshots', id: SNAPSHOT, location });
const network = (location: ResourceLocation) => ({ serviceType: 'network', resourceType: 'networks', id: NETWORK, location });
const port = (location: ResourceLocation) => ({ serviceType: 'network', resourceType: 'ports', id: PORT, location });
const server = (location: ResourceLocation) => ({ serviceType: 'compute', resourceType: 'servers', id: SERVER, location });

const servers = (rest = '') => `/v2.1/servers${rest}`;
const createServer = (fields: Record<string, unknown>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  path: servers(),
  serviceType: 'compute',
  headers,
  body: { server: { name: 'web', flavorRef: '1', ...fields } },
});
const attachVolume = (volumeId = VOLUME) => ({ method: 'POST', path: servers(`/${SERVER}/os-volume_attachments`), serviceType: 'compute', body: { volumeAttachment: { volumeId } } });
const sharing = (...pairs: [string, string][]): CheckSetup['rules'] => ({ sharedStorage: new SharedStorage(pairs) });

/**
 * Rule 2.5 through check(): a request that names other resources goes where they are learned to
 * be, when no routing header or qualifier decides; named resources held apart are refused (409)
 * naming each and its cloud, unless the operator declared the pair as sharing storage.
 */
describe('route: requests that name other resources (rule 2.5)', () => {
  it("sends a server create where its image is learned to be, scoped to the image's project there", async () => {
    await check(createServer({ imageRef: IMAGE }), { target: { kind: 'remote', serviceProvider: 'sp1', project: { id: 'p-sp1' } } }, { learnedElsewhere: [image(at('sp1', 'p-sp1'))] });
    await check(createServer({ imageRef: IMAGE }), { target: { kind: 'local' } }, { learnedElsewhere: [image(at(null))] });
  });

  it('sends a server create where its boot volume, networks and ports are', async () => {
    const bdm = [{ source_type: 'volume', destination_type: 'volume', uuid: VOLUME, boot_index: 0 }];
    await check(createServer({ block_device_mapping_v2: bdm, networks: [{ uuid: NETWORK }, { port: PORT }] }), { target: { kind: 'remote', serviceProvider: 'sp2' } }, {
      learnedElsewhere: [volume(at('sp2')), network(at('sp2')), port(at('sp2'))],
    });
    await check(createServer({ networks: [{ port: PORT }] }), { target: { kind: 'remote', serviceProvider: 'sp1' } }, { learnedElsewhere: [port(at('sp1'))] });
    // 'auto' and 'none' name no network.
    await check(createServer({ networks: 'none' }), { target: { kind: 'local', reason: 'no rule sent it elsewhere' } }, { learnedElsewhere: [port(at('sp1'))] });
  });

  it('refuses (409) a server create whose image and network are held by different clouds, naming each and its cloud', async () => {
    const message = `image ${IMAGE} (server.imageRef) at service provider sp1, network ${NETWORK} (server.networks[0].uuid) at ${LOCAL_NAME} (the local cloud)`;
    await check(createServer({ imageRef: IMAGE, networks: [{ uuid: NETWORK }] }), { refused: 409, message }, { learnedElsewhere: [image(at('sp1')), network(at(null))] });
  });

  it('leaves a create that names nothing learned to the next rules (a named resource is not searched for)', async () => {
    await check(createServer({ imageRef: IMAGE }), { target: { kind: 'local', reason: 'no rule sent it elsewhere' } });
    await check(createServer({ imageRef: IMAGE }), { target: { kind: 'place' } }, { rules: { places: true } });
  });

  it('yields to routing headers and qualified names, which decide alone', async () => {
    const learnedElsewhere = [image(at('sp1')), network(at(null))];
    await check(createServer({ imageRef: IMAGE, networks: [{ uuid: NETWORK }] }, { 'service-provider': 'sp2' }), { target: { kind: 'remote', serviceProvider: 'sp2' } }, { learnedElsewhere });
    await check(createServer({ name: 'web@sp2', imageRef: IMAGE }), { target: { kind: 'remote', serviceProvider: 'sp2' } }, { learnedElsewhere });
  });

  it("wins over placement: a create goes where what it names is, not where the policy would put it", async () => {
    await check(createServer({ imageRef: IMAGE }), { target: { kind: 'remote', serviceProvider: 'sp1' } }, { learnedElsewhere: [image(at('sp1'))], rules: { places: true } });
  });

  it("sends a volume attachment to the server's cloud, where the volume is too", async () => {
    await check(attachVolume(), { target: { kind: 'remote', serviceProvider: 'sp1', learned: true } }, { learned: { [SERVER]: at('sp1') }, learnedElsewhere: [volume(at('sp1'))] });
  });

  it("refuses (409) to attach a volume held by another cloud than the server's, naming both", async () => {
    await check(attachVolume(), { refused: 409, message: `server ${SERVER} at ${LOCAL_NAME} (the local cloud), volume ${VOLUME} (volumeAttachment.volumeId) at service provider sp1` }, {
      learned: { [SERVER]: at(null) },
      learnedElsewhere: [volume(at('sp1'))],
    });
  });

  it("attaches across a pair declared as sharing storage (either way round), at the server's cloud; not across another pair", async () => {
    const setup = { learned: { [SERVER]: at(null) }, learnedElsewhere: [volume(at('sp1'))] };
    await check(attachVolume(), { target: { kind: 'local', learned: true } }, { ...setup, rules: sharing(['sp1', LOCAL_NAME]) });
    await check(attachVolume(), { refused: 409 }, { ...setup, rules: sharing([LOCAL_NAME, 'sp2']) });
  });

  it('shares storage only: an image and a network held apart stay a conflict for a pair that shares storage', async () => {
    await check(createServer({ imageRef: IMAGE, networks: [{ uuid: NETWORK }] }), { refused: 409 }, { learnedElsewhere: [image(at('sp1')), network(at(null))], rules: sharing([LOCAL_NAME, 'sp1']) });
    // A boot volume of the paired cloud: the image decides where the server goes.
    const bdm = [{ source_type: 'snapshot', destination_type: 'volume', uuid: SNAPSHOT }];
    await check(createServer({ imageRef: IMAGE, block_device_mapping_v2: bdm }), { target: { kind: 'local' } }, {
      learnedElsewhere: [image(at(null)), snapshot(at('sp1'))],
      rules: sharing([LOCAL_NAME, 'sp1']),
    });
  });

  it('searches for an unknown server, checking what the attachment names on the cloud found', async () => {
    await check(attachVolume(), { target: { kind: 'locate', candidates: ['sp1', 'sp2'] } }, { learnedElsewhere: [volume(at('sp1'))] });
  });

  it('sends an interface attachment to the server, refusing a port of another cloud', async () => {
    const attach = { method: 'POST', path: servers(`/${SERVER}/os-interface`), serviceType: 'compute', body: { interfaceAttachment: { port_id: PORT } } };
    await check(attach, { target: { kind: 'remote', serviceProvider: 'sp2' } }, { learned: { [SERVER]: at('sp2') }, learnedElsewhere: [port(at('sp2'))] });
    await check(attach, { refused: 409, message: `port ${PORT} (interfaceAttachment.port_id) at service provider sp1` }, { learned: { [SERVER]: at('sp2') }, learnedElsewhere: [port(at('sp1'))] });
  });

  it("sends a Cinder volume create where its image or snapshot is, and a Cinder attachment where its volume is, the server's cloud sharing storage", async () => {
    const volumes = `/v3/${PROJECT_ID}/volumes`;
    await check({ method: 'POST', path: volumes, body: { volume: { size: 1, imageRef: IMAGE } } }, { target: { kind: 'remote', serviceProvider: 'sp1' } }, { learnedElsewhere: [image(at('sp1'))] });
    await check({ method: 'POST', path: volumes, body: { volume: { size: 1, snapshot_id: SNAPSHOT } } }, { target: { kind: 'remote', serviceProvider: 'sp2' } }, { learnedElsewhere: [snapshot(at('sp2'))] });
    const attachment = { method: 'POST', path: `/v3/${PROJECT_ID}/attachments`, body: { attachment: { volume_uuid: VOLUME, instance_uuid: SERVER } } };
    const learnedElsewhere = [volume(at('sp1')), server(at(null))];
    await check(attachment, { refused: 409 }, { learnedElsewhere });
    await check(attachment, { target: { kind: 'remote', serviceProvider: 'sp1' } }, { learnedElsewhere, rules: sharing([LOCAL_NAME, 'sp1']) });
  });

  it('sends a port create to the cloud of its network', async () => {
    await check({ method: 'POST', path: '/v2.0/ports', serviceType: 'network', body: { port: { network_id: NETWORK } } }, { target: { kind: 'remote', serviceProvider: 'sp1' } }, { learnedElsewhere: [network(at('sp1'))] });
  });

  it('is off with learning off: nothing learned to go by', async () => {
    await check(createServer({ imageRef: IMAGE }), { target: { kind: 'local' } }, { learnedElsewhere: [image(at('sp1'))], rules: { learn: false, search: false } });
  });
});
