import { generateKeyPairSync } from 'node:crypto';
import type { FederationEnv } from './federation-env.js';
import { SimulatedKeystone } from './keystone/simulated-keystone.js';
import { SYSTEM_TARGET, type Project } from './keystone/directory.js';
import { ImageService } from './services/image-service.js';
import { VolumeService } from './services/volume-service.js';

export interface FederationOptions {
  /** Service provider ids, each a cloud of its own. Default ['sp1', 'sp2']. */
  serviceProviders?: string[];
  /** Lifetime of every cloud's tokens, in seconds. Default 3600. */
  tokenLifetimeSeconds?: number;
}

/** One cloud: its Keystone and its fake services. */
export interface Cloud {
  name: string;
  keystone: SimulatedKeystone;
  volume: VolumeService;
  image: ImageService;
  /** Projects by name */
  projects: Record<string, Project>;
}

export interface Federation {
  /** Facts for the first service provider, in the same form the real-Keystone harness writes */
  env: FederationEnv;
  /** The IdP, which is also the local cloud's Keystone */
  idp: SimulatedKeystone;
  /** A service provider's Keystone (its `id`, `spUrl` and `federationAuthUrl` as the IdP lists them) */
  sp(id: string): SimulatedKeystone;
  cloud(name: string): Cloud;
  readonly clouds: Cloud[];
  close(): Promise<void>;
}

const REGION = 'RegionOne';
const IDP_ID = 'idp';
const PROTOCOL = 'saml2';
const FEDERATED_GROUP = 'federated_users';
export const SEED = {
  admin: { name: 'admin', password: 'adminpw' },
  user: { name: 'alice', password: 'alicepw', project: 'demo' },
  service: { name: 'k2k', password: 'secret', project: 'service' },
  spProjects: { first: 'demo', second: 'demo2', locked: 'locked' },
  /** The group the gateway's service user lands in at each SP (reseller mode); roles only where project sync grants them */
  resellerGroup: 'k2k_resellers',
} as const;

/**
 * Starts an IdP and its service providers on loopback, each with a volume and an image service,
 * seeded as test/keystone/up.sh seeds real Keystone: alice (member of demo) at the IdP; at each SP,
 * federated users land in group federated_users, member of demo and demo2 but not of locked; the
 * service user k2k lands in group k2k_resellers instead, which has no role until project sync grants one.
 */
export async function startFederation(options: FederationOptions = {}): Promise<Federation> {
  const spIds = options.serviceProviders ?? ['sp1', 'sp2'];
  if (spIds.length === 0 || new Set([IDP_ID, ...spIds]).size !== spIds.length + 1) throw new Error('serviceProviders: give distinct ids other than "idp"');
  const keystoneOptions = { tokenLifetimeSeconds: options.tokenLifetimeSeconds };
  const clouds: Cloud[] = [];
  try {
    for (const name of [IDP_ID, ...spIds]) clouds.push(await startCloud(name, await SimulatedKeystone.start({ ...keystoneOptions, name })));
  } catch (error) {
    await closeAll(clouds);
    throw error;
  }
  const [idpCloud, ...spClouds] = clouds;
  const idp = idpCloud.keystone;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const entityId = `${idp.authUrl}/OS-FEDERATION/saml2/idp`;
  idp.actAsIdentityProvider(entityId, privateKey);
  seedIdp(idpCloud);
  for (const cloud of spClouds) {
    seedServiceProvider(cloud);
    cloud.keystone.trustIdentityProvider({
      id: IDP_ID,
      remoteId: entityId,
      verifyKey: publicKey,
      protocol: PROTOCOL,
      groupName: FEDERATED_GROUP,
      groupsByUser: { [SEED.service.name]: SEED.resellerGroup },
    });
    idp.registerServiceProvider({ id: cloud.name, spUrl: cloud.keystone.spUrl, authUrl: cloud.keystone.federationAuthUrl });
  }

  const byName = new Map(clouds.map((cloud) => [cloud.name, cloud]));
  const cloud = (name: string): Cloud => {
    const found = byName.get(name);
    if (!found) throw new Error(`no cloud ${name}; clouds: ${[...byName.keys()].join(', ')}`);
    return found;
  };
  const sp = (id: string): SimulatedKeystone => {
    if (id === IDP_ID) throw new Error(`${id} is the identity provider, not a service provider`);
    return cloud(id).keystone;
  };
  return { env: environment(idpCloud, spClouds[0]), idp, sp, cloud, clouds, close: () => closeAll(clouds) };
}

async function startCloud(name: string, keystone: SimulatedKeystone): Promise<Cloud> {
  const [volume, image] = await Promise.all([VolumeService.start(keystone), ImageService.start(keystone)]);
  keystone.catalog.addService('identity', 'keystone', [{ interface: 'public', regionId: REGION, url: keystone.authUrl }]);
  keystone.catalog.addService('volumev3', 'cinderv3', [
    { interface: 'public', regionId: REGION, url: `${volume.publicUrl}/v3/%(project_id)s` },
    { interface: 'internal', regionId: REGION, url: `${volume.internalUrl}/v3/%(project_id)s` },
  ]);
  keystone.catalog.addService('image', 'glance', [
    { interface: 'public', regionId: REGION, url: image.publicUrl },
    { interface: 'internal', regionId: REGION, url: image.internalUrl },
  ]);
  return { name, keystone, volume, image, projects: {} };
}

function seedAdmin(cloud: Cloud): void {
  const { directory } = cloud.keystone;
  const admin = directory.addUser(SEED.admin.name, SEED.admin.password);
  cloud.projects.admin = directory.addProject('admin');
  directory.grant('admin', admin.id, cloud.projects.admin.id);
  directory.grant('admin', admin.id, SYSTEM_TARGET); // as keystone-manage bootstrap does
}

function seedIdp(cloud: Cloud): void {
  const { directory } = cloud.keystone;
  seedAdmin(cloud);
  const alice = directory.addUser(SEED.user.name, SEED.user.password);
  cloud.projects[SEED.user.project] = directory.addProject(SEED.user.project);
  directory.grant('member', alice.id, cloud.projects[SEED.user.project].id);
  const k2k = directory.addUser(SEED.service.name, SEED.service.password);
  cloud.projects[SEED.service.project] = directory.addProject(SEED.service.project);
  directory.grant('service', k2k.id, cloud.projects[SEED.service.project].id);
  directory.grant('admin', k2k.id, cloud.projects[SEED.service.project].id);
}

function seedServiceProvider(cloud: Cloud): void {
  const { directory } = cloud.keystone;
  seedAdmin(cloud);
  const group = directory.addGroup(FEDERATED_GROUP);
  directory.addGroup(SEED.resellerGroup);
  for (const name of Object.values(SEED.spProjects)) cloud.projects[name] = directory.addProject(name);
  directory.grant('member', group.id, cloud.projects[SEED.spProjects.first].id);
  directory.grant('member', group.id, cloud.projects[SEED.spProjects.second].id);
}

function environment(idp: Cloud, sp: Cloud): FederationEnv {
  return {
    idpAuthUrl: idp.keystone.authUrl,
    spAuthUrl: sp.keystone.authUrl,
    spId: sp.name,
    spUrl: sp.keystone.spUrl,
    spFederationAuthUrl: sp.keystone.federationAuthUrl,
    adminUser: SEED.admin.name,
    adminPassword: SEED.admin.password,
    serviceUser: SEED.service.name,
    servicePassword: SEED.service.password,
    serviceProject: SEED.service.project,
    user: SEED.user.name,
    userPassword: SEED.user.password,
    userDomain: 'Default',
    idpProject: SEED.user.project,
    idpProjectId: idp.projects[SEED.user.project].id,
    spProject: SEED.spProjects.first,
    spProjectId: sp.projects[SEED.spProjects.first].id,
    spProject2: SEED.spProjects.second,
    spProject2Id: sp.projects[SEED.spProjects.second].id,
    spLockedProject: SEED.spProjects.locked,
    spLockedProjectId: sp.projects[SEED.spProjects.locked].id,
    idpVolumeEndpoint: `${idp.volume.publicUrl}/v3/%(project_id)s`,
    spVolumeEndpoint: `${sp.volume.publicUrl}/v3/%(project_id)s`,
    idpImageEndpoint: idp.image.publicUrl,
    spImageEndpoint: sp.image.publicUrl,
    region: REGION,
  };
}

async function closeAll(clouds: Cloud[]): Promise<void> {
  await Promise.all(clouds.flatMap((cloud) => [cloud.keystone.stop(), cloud.volume.stop(), cloud.image.stop()]));
}
