import { OpenStackError } from '@k2k/common';

/**
 * The one rule for what may stand as a single segment of a path this proxy sends (DESIGN step 1):
 * of the request's own path, of an id it puts into a path (a page marker's item, a probe), of a
 * project id. Why `text` (already percent-decoded) may not, or undefined when it may: empty, a dot
 * segment (resolved by URL parsers and many servers: '/volumes/..' is the project root), a slash
 * or backslash (an encoded one is decoded by some servers into a second segment), a control character.
 */
export function segmentFault(text: string): string | undefined {
  if (text === '') return 'is empty';
  if (text === '.' || text === '..') return 'is a dot segment';
  if (text.includes('/') || text.includes('\\')) return 'contains a slash or backslash';
  if (hasControl(text)) return 'contains a control character';
  return undefined;
}

/**
 * `id` as one path segment: checked by segmentFault and percent-encoded whole, never concatenated
 * raw. Throws `status` (400: the client sent it) naming `what` and the id otherwise.
 */
export function pathSegment(id: string, what: string, status = 400): string {
  const fault = segmentFault(id);
  if (fault) throw new OpenStackError(status, `${what} ${JSON.stringify(id)} ${fault}: it cannot be sent as a path segment.`);
  return encodeURIComponent(id);
}

/** C0 controls and DEL: in no OpenStack id, and read by some servers and logs as line breaks or string ends. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
