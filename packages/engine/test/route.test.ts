import { check, LOCAL_NAME, PROJECT_ID } from './check.js';

const volumes = (rest = '') => `/v3/${PROJECT_ID}/volumes${rest}`;
const VOLUME = 'b6d64b8c-3c5e-4b35-a8d4-5f7b7a5d2c11';

/** Step 2 through check(): the first rule that decides, then the loop guard, allow-list and endpoint policy. No federation. */
describe('route: the rules in order', () => {
  it('leaves a request no rule claims with the local service', async () => {
    await check({ path: volumes(`/${VOLUME}`) }, { target: { kind: 'local', reason: 'no rule sent it elsewhere' } }, { rules: { learn: false, search: false } });
  });

  it('rule 1: SERVICE-PROVIDER sends it there, with the project and endpoint type; the local name keeps it here', async () => {
    await check(
      { path: volumes(`/${VOLUME}`), headers: { 'service-provider': 'sp1', 'project-name': 'other', 'endpoint-type': 'internalURL' } },
      { target: { kind: 'remote', serviceProvider: 'sp1', project: { name: 'other', domain: 'Default' }, interface: 'internal' } },
    );
    await check({ path: volumes(`/${VOLUME}`), headers: { 'service-provider': LOCAL_NAME } }, { target: { kind: 'local' } });
  });

  it('refuses a service provider the token does not offer (400) or the allow-list leaves out, naming those known', async () => {
    await check({ path: volumes(), headers: { 'service-provider': 'sp9' } }, { refused: 400, message: 'Unknown service provider "sp9" (known: sp1, sp2)' });
    await check({ path: volumes(), headers: { 'service-provider': 'sp2' } }, { refused: 400, message: '(known: sp1)' }, { limits: { allowedServiceProviders: ['sp1'] } });
  });

  it('refuses (508) what already passed this proxy instead of sending it to a service provider again; a looped list stays local', async () => {
    await check({ path: volumes(), headers: { 'service-provider': 'sp1' } }, { refused: 508 }, { limits: { looped: true } });
    await check({ path: volumes() }, { target: { kind: 'local' } }, { limits: { looped: true } });
  });

  it('refuses (403) what the endpoint policy does not grant, before any exchange', async () => {
    const refusal = (sp: string) => (sp === 'sp2' ? 'not for you at sp2' : undefined);
    await check({ path: volumes(), headers: { 'service-provider': 'sp2' } }, { refused: 403, message: 'not for you at sp2' }, { limits: { refusal } });
  });

  it('rule 2: `<id>@<cloud>` goes to that cloud with the bare id', async () => {
    await check({ path: volumes(`/${VOLUME}@sp2/action`), method: 'POST' }, { request: { resourceId: VOLUME, qualifier: 'sp2' }, target: { kind: 'remote', serviceProvider: 'sp2' } });
    await check({ path: volumes(`/${VOLUME}@${LOCAL_NAME}`) }, { target: { kind: 'local' } });
  });

  it('rule 2 for creates: `name@sp1` goes to sp1; a name whose suffix is no cloud stays a name', async () => {
    await check({ method: 'POST', path: volumes(), body: { volume: { name: 'data@sp1', size: 1 } } }, { target: { kind: 'remote', serviceProvider: 'sp1' } });
    await check({ method: 'POST', path: volumes(), body: { volume: { name: 'data@home', size: 1 } } }, { target: { kind: 'local' } });
  });

  it('rule 3: a learned location routes there, marked learned; learning off, it does not', async () => {
    const learned = { [VOLUME]: { serviceProvider: 'sp2', projectId: 'remote-project' } };
    await check({ path: volumes(`/${VOLUME}`) }, { target: { kind: 'remote', serviceProvider: 'sp2', learned: true } }, { learned });
    await check({ path: volumes(`/${VOLUME}`) }, { target: { kind: 'local' } }, { learned, rules: { learn: false, search: false } });
  });

  it('rule 4: an unknown id is searched for among the clouds the limits leave', async () => {
    await check({ path: volumes(`/${VOLUME}`) }, { target: { kind: 'locate', candidates: ['sp1', 'sp2'] } });
    await check({ path: volumes(`/${VOLUME}`) }, { target: { kind: 'locate', candidates: ['sp1'] } }, { limits: { allowedServiceProviders: ['sp1'] } });
  });

  it('rule 5: a list of a merged type is asked of every cloud; another type stays local', async () => {
    await check({ path: volumes() }, { target: { kind: 'fanout', serviceProviders: ['sp1', 'sp2'] } });
    await check({ path: `/v3/${PROJECT_ID}/snapshots` }, { target: { kind: 'local' } });
  });

  it('a pinned mount: every request goes to the pin; a header naming another cloud is refused (400)', async () => {
    const pin = { token: 'k2k' as const, serviceProvider: 'sp1', name: 'sp1' };
    await check({ path: volumes() }, { target: { kind: 'remote', serviceProvider: 'sp1', virtualRegion: 'sp1' } }, { rules: { pin } });
    await check({ path: volumes(), headers: { 'service-provider': 'sp2' } }, { refused: 400, message: 'pinned to sp1' }, { rules: { pin } });
  });
});
