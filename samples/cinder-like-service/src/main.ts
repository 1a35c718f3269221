/**
 * Runs the Cinder-like service. Environment: K2K_AUTH_URL (the IdP's /v3 URL), K2K_SERVICE_USER,
 * K2K_SERVICE_PASSWORD, K2K_SERVICE_PROJECT, K2K_MEMCACHED (host:port, optional), K2K_CACHE_SECRET
 * (optional), PORT (default 8776).
 *   npm start -w samples/cinder-like-service
 */
import { createStore } from '@k2k/store';
import { createCinderLikeService } from './app.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`set ${name}`);
    process.exit(2);
  }
  return value;
}

const memcached = process.env.K2K_MEMCACHED;
const secret = process.env.K2K_CACHE_SECRET;
const store = createStore(memcached ? { backend: 'memcached', servers: [memcached], secret } : { secret });
const service = createCinderLikeService({
  authUrl: required('K2K_AUTH_URL'),
  serviceAuth: { username: required('K2K_SERVICE_USER'), password: required('K2K_SERVICE_PASSWORD'), projectName: required('K2K_SERVICE_PROJECT') },
  store,
});
const port = Number(process.env.PORT ?? 8776);
const server = service.app.listen(port, '127.0.0.1', () => console.log(`cinder-like service on http://127.0.0.1:${port}/v3`));
process.once('SIGTERM', () => {
  server.close(() => void service.close().then(() => store.close()));
});
