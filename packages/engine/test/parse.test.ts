import { check, PROJECT_ID } from './check.js';

/** Step 1 through check(): what the engine reads from a call, and what it refuses before routing. */
describe('parse: the call taken apart', () => {
  it('reads the version, project, resource type, id and action, the qualifier split off', async () => {
    await check(
      { method: 'POST', path: `/v3/${PROJECT_ID}/volumes/vol-1%40sp1/action` },
      { request: { method: 'POST', projectId: PROJECT_ID, resourceType: 'volumes', resourceId: 'vol-1', qualifier: 'sp1', action: 'action' } },
    );
  });

  it('refuses (400) a target that is not a plain path below the mount', async () => {
    for (const path of [`/v3/${PROJECT_ID}/volumes/../x`, `/v3/${PROJECT_ID}//volumes`, `/v3/${PROJECT_ID}/volumes/a%2Fb`]) await check({ path }, { refused: 400 });
  });

  it('refuses (400) a bad routing header value, naming the header', async () => {
    await check({ path: `/v3/${PROJECT_ID}/volumes`, headers: { 'service-provider': 'sp1', 'endpoint-type': 'sideways' } }, { refused: 400, message: 'ENDPOINT-TYPE' });
  });
});
