// keystoneAuth and k2kForward on plain node:http through Connect, installed from the packed
// tarballs: one request crosses to sp1 of the simulated federation; then a service's own call to
// sp1 through k2kClient, the engine's outgoing face.
import { once } from 'node:events';
import { createServer } from 'node:http';
import connect from 'connect';
import { k2kClient } from '@k2k/client';
import { createStore } from '@k2k/store';
import { crossToSp1 } from './cross.mjs';

await crossToSp1(
  async ({ auth, forward }) => {
    const app = connect();
    app.use(auth);
    app.use('/volume', forward);
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
  },
  async (federation, token) => {
    const sp1 = federation.cloud('sp1');
    const volume = sp1.volume.seed(sp1.projects.demo.id, { name: 'through-the-client' });
    const store = createStore();
    const client = k2kClient({ authUrl: federation.env.idpAuthUrl, store });
    try {
      const answer = await client.session({ token }).service('volumev3').fetch(`/volumes/${volume.id}`, { serviceProvider: 'sp1' });
      const body = await answer.json();
      return { client: { status: answer.status, serviceProvider: answer.headers.get('x-k2k-service-provider'), name: body.volume?.name } };
    } finally {
      await client.close();
      await store.close();
    }
  },
);
