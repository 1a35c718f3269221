import { JsonBody } from './json-body.js';

/**
 * Where an answer's links point upstream, and where they point through this proxy instead
 * (DESIGN "One request", step 6): a client that follows a link stays on the proxy, and so never
 * carries its local token to a service provider.
 */
export interface LinkMap {
  /** The upstream's root: its endpoint's origin and path before any version segment ('http://sp:8776', 'http://host/volume') */
  upstream: URL;
  /** This proxy's URL for the mount ('https://gw.example.com/volume') */
  proxy: URL;
  /** The upstream's project id and the caller's, when they differ: a path segment naming the one names the other */
  project?: { remote: string; local: string };
}

type Json = unknown;
type JsonObject = Record<string, Json>;

/** Keys whose value is a list of `{href, rel}` (or, api-wg style, an object of URLs): `links`, `volumes_links`, `servers_links`... */
const LINK_LIST = /^(\w+_)?links$/;
/**
 * Glance's link fields. Glance writes them relative to its endpoint ('/v2/images?marker=...'), and
 * clients append them to the endpoint they use, which is this proxy's mount: those stay as they
 * are. Only an absolute URL pointing upstream is rewritten.
 */
const LINK_FIELDS = new Set(['next', 'first', 'self', 'file', 'schema']);
const ABSOLUTE = /^https?:\/\//i;

/** An absolute URL below the upstream's root, as the same path below this proxy's mount; any other string as it is. */
export function rewriteUrl(link: string, map: LinkMap): string {
  if (!ABSOLUTE.test(link)) return link;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return link;
  }
  if (url.origin !== map.upstream.origin) return link;
  const rest = below(url.pathname, map.upstream);
  if (rest === undefined) return link;
  return `${map.proxy.origin}${rootPath(map.proxy)}${withLocalProject(rest, map)}${url.search}${url.hash}`;
}

/**
 * A `Location` header: an absolute URL as `rewriteUrl` does it; a path ('/v3/'), which a client
 * resolves against the host it asked, also gets the mount, so it stays below it.
 */
export function rewriteLocation(location: string, map: LinkMap): string {
  if (ABSOLUTE.test(location)) return rewriteUrl(location, map);
  if (!location.startsWith('/') || location.startsWith('//')) return location;
  const [path, ...query] = location.split(/(?=[?#])/);
  const rest = below(path, map.upstream);
  return rest === undefined ? location : `${rootPath(map.proxy)}${withLocalProject(rest, map)}${query.join('')}`;
}

/**
 * A JSON body with its links rewritten: every `links` / `*_links` entry's `href` (version
 * documents, resources, next pages) and Glance's `next`, `first`, `self`, `file` and `schema`
 * when absolute. The same bytes when nothing changed or the body is not JSON. A link to rewrite
 * names the upstream's host, so a body that does not is passed as it is, unparsed: most answers.
 * Given a JsonBody, its one parse serves the learner too.
 */
export function rewriteJsonLinks(body: Buffer | JsonBody, map: LinkMap): Buffer {
  const json = body instanceof JsonBody ? body : new JsonBody(body);
  if (!mentions(json.bytes, map.upstream.hostname)) return json.bytes;
  const parsed = json.value();
  if (parsed === undefined) return json.bytes;
  const rewritten = rewriteValue(parsed, map);
  return rewritten === parsed ? json.bytes : Buffer.from(JSON.stringify(rewritten));
}

/** The value with its links rewritten; the value itself (not a copy) when none changed. */
export function rewriteValue(value: Json, map: LinkMap): Json {
  if (Array.isArray(value)) return sameIfUnchanged(value, value.map((item) => rewriteValue(item, map)));
  if (!isObject(value)) return value;
  // fromEntries, not assignment: a key named __proto__ stays a plain key
  return sameIfUnchanged(value, Object.fromEntries(Object.entries(value).map(([key, child]) => [key, rewriteMember(key, child, map)])));
}

function rewriteMember(key: string, value: Json, map: LinkMap): Json {
  if (LINK_LIST.test(key)) return rewriteLinkList(value, map);
  if (LINK_FIELDS.has(key) && typeof value === 'string') return rewriteUrl(value, map);
  return rewriteValue(value, map);
}

function rewriteLinkList(links: Json, map: LinkMap): Json {
  if (Array.isArray(links)) {
    return sameIfUnchanged(
      links,
      links.map((link) => (isObject(link) && typeof link.href === 'string' ? sameIfUnchanged(link, { ...link, href: rewriteUrl(link.href, map) }) : link)),
    );
  }
  if (!isObject(links)) return links;
  return sameIfUnchanged(links, Object.fromEntries(Object.entries(links).map(([rel, href]) => [rel, typeof href === 'string' ? rewriteUrl(href, map) : href])));
}

/** `rewritten` when one of its members differs from the original's, else the original: an unchanged body keeps its bytes. */
function sameIfUnchanged<T extends Json[] | JsonObject>(original: T, rewritten: T): T {
  const before = Object.values(original);
  return Object.values(rewritten).some((member, i) => member !== before[i]) ? rewritten : original;
}

/** The path below a root URL's path ('' for the root itself), or undefined when it is not below it. */
function below(path: string, root: URL): string | undefined {
  const base = rootPath(root);
  if (path === base) return '';
  return path.startsWith(`${base}/`) ? path.slice(base.length) : undefined;
}

function rootPath(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

function withLocalProject(path: string, map: LinkMap): string {
  const { project } = map;
  if (!project) return path;
  return path
    .split('/')
    .map((segment) => (segment === project.remote ? project.local : segment))
    .join('/');
}

/** Whether the bytes contain the host name, in any case (URL host names are case-insensitive). */
function mentions(body: Buffer, hostname: string): boolean {
  if (body.includes(hostname)) return true;
  return /[a-z]/.test(hostname) && body.toString('latin1').toLowerCase().includes(hostname);
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
