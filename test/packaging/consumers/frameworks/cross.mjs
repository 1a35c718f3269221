// What the framework consumers share: the simulated federation of @k2k/testing, keystoneAuth and
// k2kForward on a memory store for the app to mount, one request at sp1 through the app's port,
// and one JSON line on stdout with what came back.
import { KeystoneClient } from '@k2k/keystone';
import { createStore } from '@k2k/store';
import { keystoneAuth } from '@k2k/keystone-auth';
import { k2kForward } from '@k2k/k2k-forward';
import { startFederation } from '@k2k/testing';

/**
 * `serve({ auth, forward, env })` mounts the middlewares (k2kForward for volumev3, at `/volume`)
 * and resolves to { port, close }; `extra(env, token)` may add fields to the printed result.
 */
export async function crossToSp1(serve, extra = async () => ({})) {
  const federation = await startFederation({ serviceProviders: ['sp1'] });
  const { env } = federation;
  const store = createStore();
  const auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
  const forward = k2kForward({ serviceType: 'volumev3', authUrl: env.idpAuthUrl, store, local: env.idpVolumeEndpoint });
  const idp = new KeystoneClient({ authUrl: env.idpAuthUrl });
  let server;
  try {
    server = await serve({ auth, forward, env });
    const token = await idp.authenticate(
      { user: { name: env.user, domain: { name: env.userDomain } }, password: env.userPassword },
      { project: { name: env.idpProject, domain: { name: 'Default' } } },
    );
    const response = await fetch(`http://127.0.0.1:${server.port}/volume/v3/${env.idpProjectId}/volumes`, {
      headers: { 'x-auth-token': token.id, 'service-provider': 'sp1' },
      signal: AbortSignal.timeout(15000),
    });
    const body = await response.json();
    const result = {
      status: response.status,
      serviceProvider: response.headers.get('x-k2k-service-provider'),
      volumes: Array.isArray(body.volumes),
      sp1Requests: federation.cloud('sp1').volume.requests.length,
      ...(await extra(federation, token.id)),
    };
    console.log(JSON.stringify(result));
  } finally {
    await server?.close();
    await Promise.all([auth.close(), forward.close(), idp.close()]);
    await federation.close();
  }
}
