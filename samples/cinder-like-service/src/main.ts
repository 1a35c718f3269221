/**
 * Runs the Cinder-like service with nothing but the environment an operator already has: the
 * service user from OS_CLOUD (clouds.yaml) or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
 * OS_PROJECT_NAME...; K2K_MEMCACHED (host:port, optional) with K2K_CACHE_SECRET; PORT (default 8776).
 *   npm start -w samples/cinder-like-service
 */
import { OptionError } from '@k2k/common';
import { createStore } from '@k2k/store';
import { createCinderLikeService } from './app.js';

const memcached = process.env.K2K_MEMCACHED;
const secret = process.env.K2K_CACHE_SECRET;
let service: ReturnType<typeof createCinderLikeService>;
let store: ReturnType<typeof createStore>;
try {
  store = createStore(memcached ? { backend: 'memcached', servers: [memcached], secret } : { secret });
  service = createCinderLikeService({ store });
} catch (error) {
  if (!(error instanceof OptionError)) throw error;
  console.error(`cinder-like service: ${error.message}`);
  process.exit(2);
}
const port = Number(process.env.PORT ?? 8776);
const server = service.app.listen(port, '127.0.0.1', () => console.log(`cinder-like service on http://127.0.0.1:${port}/v3`));
process.once('SIGTERM', () => {
  server.close(() => void service.close().then(() => store.close()));
});
