import type { ProjectIdAnswer } from '../execute/project-ids.js';

type JsonObject = Record<string, unknown>;

/**
 * A service provider's JSON answer with the project ids under `rewrite.keys` (Glance's
 * `member_id`) as the caller named them, its IdP's ids; ids with no known pair stay. The same bytes
 * when nothing changed or the body is not JSON.
 */
export function rewriteProjectIds(body: Buffer, rewrite: ProjectIdAnswer): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return body;
  }
  let changed = false;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      const child = value[key];
      const local = rewrite.keys.includes(key) && typeof child === 'string' ? rewrite.local(child) : undefined;
      if (local !== undefined && local !== child) {
        value[key] = local;
        changed = true;
      } else visit(child);
    }
  };
  visit(parsed);
  return changed ? Buffer.from(JSON.stringify(parsed)) : body;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
