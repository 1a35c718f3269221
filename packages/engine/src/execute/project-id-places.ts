/**
 * Where a JSON document holds a project id: `key` in any object, or only in an object that is (or
 * is an item of a list that is) the value of `parent` (`{"quota_set": {"id": ...}}`,
 * `{"volume_type_access": [{"project_id": ...}]}`).
 */
export interface JsonPlace {
  key: string;
  parent?: string;
}

type JsonObject = Record<string, unknown>;

/**
 * `value` with the project ids at `places` replaced by what `map` gives (ids it gives nothing for
 * stay); the value itself, not a copy, when none changed.
 */
export function replaceProjectIds(value: unknown, places: readonly JsonPlace[], map: (id: string) => string | undefined): unknown {
  return visit(value, undefined, places, map);
}

function visit(value: unknown, parent: string | undefined, places: readonly JsonPlace[], map: (id: string) => string | undefined): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => visit(item, parent, places, map));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (!isObject(value)) return value;
  let changed = false;
  // fromEntries, not assignment: a key named __proto__ stays a plain key
  const entries = Object.entries(value).map(([key, child]): [string, unknown] => {
    const here = places.some((place) => place.key === key && (place.parent === undefined || place.parent === parent));
    const mapped = here && typeof child === 'string' ? map(child) : undefined;
    const next = mapped ?? visit(child, key, places, map);
    if (next !== child) changed = true;
    return [key, next];
  });
  return changed ? Object.fromEntries(entries) : value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
