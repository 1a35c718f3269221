import { randomUUID } from 'node:crypto';
import express from 'express';
import { k2kClient } from '@k2k/client';
import { k2kForward } from '@k2k/k2k-forward';
import { keystoneAuth, type ServiceCredentials } from '@k2k/keystone-auth';
import type { Store } from '@k2k/store';

export interface CinderLikeOptions {
  /** The local Keystone (the IdP) and this service's user there; absent: the OpenStack environment (OS_CLOUD, or OS_AUTH_URL...) */
  keystone?: { authUrl: string; serviceAuth: ServiceCredentials };
  store: Store;
}

interface Volume {
  id: string;
  name: string | null;
  size: number;
  status: string;
  /** For a volume created from an image: the image's id and name, and the cloud that held it */
  volume_image_metadata?: { image_id: string; image_name: string | null; image_cloud: string };
}

/**
 * A volume service of its own (a toy Cinder: list, create, show, delete under /v3/{project}) with
 * K2K in front: keystoneAuth authenticates every call; k2kForward sends the calls that name a
 * service provider to that cloud and lets the others fall through to the routes below. On its
 * outgoing path, k2kClient: a volume created from an image (`imageRef`) looks the image up through
 * it, as the caller, and finds it at whichever cloud holds it (a learned location, else a search).
 */
export function createCinderLikeService(options: CinderLikeOptions): { app: express.Express; close(): Promise<void> } {
  const auth = keystoneAuth({ ...options.keystone, store: options.store });
  const forward = k2kForward(); // keystoneAuth's Keystone and store; the service from the resource type (volumes)
  // The same store: what the client learns about images, k2kForward knows, and the reverse.
  const client = k2kClient({ ...(options.keystone && { authUrl: options.keystone.authUrl }), store: options.store });
  const volumes = new Map<string, Volume & { project: string }>();

  const app = express();
  app.use(auth);
  app.use(forward); // before the body parser is fine too: k2kForward re-sends a parsed body
  app.use(express.json());

  app.get('/v3/:project/volumes', (req, res) => {
    res.json({ volumes: [...volumes.values()].filter((v) => v.project === req.params.project).map(({ project: _project, ...volume }) => volume) });
  });
  app.post('/v3/:project/volumes', async (req, res) => {
    const size = Number(req.body?.volume?.size);
    if (!Number.isInteger(size) || size < 1) return void res.status(400).json({ badRequest: { code: 400, message: 'volume.size must be a positive integer' } });
    const volume: Volume & { project: string } = { id: randomUUID(), name: req.body.volume.name ?? null, size, status: 'available', project: req.params.project };
    const imageRef: unknown = req.body.volume.imageRef;
    if (imageRef !== undefined) {
      // Glance, as the caller: the image may be held by any cloud the caller can reach.
      const image = typeof imageRef === 'string' ? await client.session({ token: String(req.headers['x-auth-token']) }).service('image').fetch(`/v2/images/${encodeURIComponent(imageRef)}`) : undefined;
      if (!image?.ok) {
        await image?.body?.cancel();
        return void res.status(400).json({ badRequest: { code: 400, message: 'Invalid image identifier or unable to access requested image.' } });
      }
      const found = (await image.json()) as { id: string; name: string | null };
      volume.volume_image_metadata = { image_id: found.id, image_name: found.name, image_cloud: image.headers.get('x-k2k-service-provider') ?? 'local' };
    }
    volumes.set(volume.id, volume);
    res.status(202).json({ volume: { ...volume, project: undefined } });
  });
  app.get('/v3/:project/volumes/:id', (req, res) => {
    const volume = volumes.get(req.params.id);
    if (!volume || volume.project !== req.params.project) return void res.status(404).json({ itemNotFound: { code: 404, message: `Volume ${req.params.id} could not be found.` } });
    res.json({ volume: { ...volume, project: undefined } });
  });
  app.delete('/v3/:project/volumes/:id', (req, res) => {
    res.status(volumes.delete(req.params.id) ? 202 : 404).end();
  });

  return {
    app,
    close: async () => {
      await Promise.all([auth.close(), forward.close(), client.close()]);
    },
  };
}
