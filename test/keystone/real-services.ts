import { ImageService, realKeystoneChecker, VolumeService, type FederationEnv } from '@k2k/testing';

/** The fake services real Keystone's catalogs point at, checking tokens with that cloud's real Keystone. */
export interface RealCloudServices {
  volume: VolumeService;
  image: ImageService;
}

const portOf = (url: string) => Number(new URL(url.replace('%(project_id)s', 'p')).port);

async function startCloudServices(authUrl: string, env: FederationEnv, volumeEndpoint: string, imageEndpoint: string): Promise<RealCloudServices> {
  const checker = realKeystoneChecker({ authUrl, user: env.adminUser, password: env.adminPassword, project: 'admin' });
  const [volume, image] = await Promise.all([
    VolumeService.start(checker, { public: portOf(volumeEndpoint), internal: portOf(volumeEndpoint) + 1 }),
    ImageService.start(checker, { public: portOf(imageEndpoint), internal: portOf(imageEndpoint) + 1 }),
  ]);
  return { volume, image };
}

/** Starts the IdP's and the SP's fake volume and image services on the ports up.sh put in the catalogs. */
export async function startRealCloudServices(env: FederationEnv): Promise<{ idp: RealCloudServices; sp: RealCloudServices; stop(): Promise<void> }> {
  const idp = await startCloudServices(env.idpAuthUrl, env, env.idpVolumeEndpoint, env.idpImageEndpoint);
  const sp = await startCloudServices(env.spAuthUrl, env, env.spVolumeEndpoint, env.spImageEndpoint);
  return {
    idp,
    sp,
    stop: async () => {
      await Promise.all([idp.volume.stop(), idp.image.stop(), sp.volume.stop(), sp.image.stop()]);
    },
  };
}
