import type { ProjectIdAnswer } from '../execute/project-ids.js';
import { replaceProjectIds } from '../execute/project-id-places.js';

/**
 * A service provider's JSON answer with the project ids at `rewrite.places` (Glance's
 * `member_id`, Cinder's `quota_set.id`...) as the caller named them, its IdP's ids; ids with no
 * known pair stay. The same bytes when nothing changed or the body is not JSON.
 */
export function rewriteProjectIds(body: Buffer, rewrite: ProjectIdAnswer): Buffer {
  if (rewrite.places.length === 0) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  const rewritten = replaceProjectIds(parsed, rewrite.places, rewrite.local);
  return rewritten === parsed ? body : Buffer.from(JSON.stringify(rewritten));
}
