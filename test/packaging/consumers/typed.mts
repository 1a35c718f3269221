// The ES module side of the TypeScript consumer (see typed.ts): named imports of every package from
// an ES module resolve through the same exports map ("types", then "default").
import { requireString } from '@k2k/common';
import { KeystoneClient } from '@k2k/keystone';
import { createStore } from '@k2k/store';
import { keystoneAuth } from '@k2k/keystone-auth';
import { k2kForward } from '@k2k/k2k-forward';
import { startFederation } from '@k2k/testing';
import { parseConfig } from '@k2k/gateway';

const federation = await startFederation({ serviceProviders: ['sp1'] });
const authUrl = requireString(federation.env.idpAuthUrl, 'authUrl');
const store = createStore();
const auth = keystoneAuth({ authUrl, serviceAuth: { username: 'k2k', password: 'secret', projectName: 'service' }, store });
const forward = k2kForward({ serviceType: 'volumev3', authUrl, store });
const client = new KeystoneClient({ authUrl });
const gatewayConfig = parseConfig({ keystone: { auth_url: authUrl, service_auth: { username: 'k2k', password: 'secret', project_name: 'service' } }, local: { endpoints: { volumev3: 'http://127.0.0.1:8776/v3/%(project_id)s' } }, mounts: { '/volume': 'volumev3' } });
void gatewayConfig.listen.port;
await Promise.all([auth.close(), forward.close(), client.close(), federation.close()]);
export {};
