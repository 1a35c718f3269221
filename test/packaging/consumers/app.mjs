// A fresh ES module consumer of the packed @k2k packages (test/packaging copies it into a project
// outside the repository): named imports from the CommonJS builds, dist/ closed to import(), and one
// request through keystoneAuth + k2kForward on the simulated federation. Prints one JSON line.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import express from 'express';
import { OptionError } from '@k2k/common';
import { KeystoneClient } from '@k2k/keystone';
import { createStore } from '@k2k/store';
import { keystoneAuth } from '@k2k/keystone-auth';
import { k2kForward } from '@k2k/k2k-forward';
import { startFederation } from '@k2k/testing';

async function importError(specifier) {
  try {
    await import(specifier);
    return 'loaded';
  } catch (error) {
    return error.code;
  }
}

const result = {
  deepImport: await importError('@k2k/store/dist/src/memory-store.js'),
  testFixture: await importError('@k2k/k2k-forward/dist/test/gateway-fixture.js'), // exported for the repo's suites, not shipped
  storeVersion: createRequire(import.meta.url)('@k2k/store/package.json').version,
};
try {
  createStore({ backend: 'memcahced' });
} catch (error) {
  result.optionError = error instanceof OptionError;
}
const federation = await startFederation({ serviceProviders: ['sp1'] });
const env = federation.env;
const store = createStore();
const auth = keystoneAuth({ authUrl: env.idpAuthUrl, serviceAuth: { username: env.serviceUser, password: env.servicePassword, projectName: env.serviceProject }, store });
const forward = k2kForward({ serviceType: 'volumev3', authUrl: env.idpAuthUrl, store, local: env.idpVolumeEndpoint });
const idp = new KeystoneClient({ authUrl: env.idpAuthUrl });
const app = express();
app.use(auth);
app.use('/volume', forward);
const server = app.listen(0, '127.0.0.1');
try {
  await once(server, 'listening');
  const token = await idp.authenticate(
    { user: { name: env.user, domain: { name: env.userDomain } }, password: env.userPassword },
    { project: { name: env.idpProject, domain: { name: 'Default' } } },
  );
  const response = await fetch(`http://127.0.0.1:${server.address().port}/volume/v3/${env.idpProjectId}/volumes`, {
    headers: { 'x-auth-token': token.id, 'service-provider': 'sp1', 'project-name': env.spProject, 'project-domain': 'Default' },
    signal: AbortSignal.timeout(15000),
  });
  const body = await response.json();
  Object.assign(result, {
    status: response.status,
    serviceProvider: response.headers.get('x-k2k-service-provider'),
    volumes: Array.isArray(body.volumes),
    sp1Requests: federation.cloud('sp1').volume.requests.length,
  });
} finally {
  server.close();
  await Promise.all([auth.close(), forward.close(), idp.close()]);
  await federation.close();
}
console.log(JSON.stringify(result));
process.exit(0);
