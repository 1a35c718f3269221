// Hostile qualified ids, shared by the unit test (qualifier.test.ts) and k2k-forward's end-to-end one.
const malformed = (qualifier: string) => `Malformed qualifier ${JSON.stringify(qualifier)} in the resource id`;
/** A control character is refused in any segment (path-segment.ts), before the qualifier is read. */
const control = (segment: string) => `The request path segment ${JSON.stringify(segment)} contains a control character`;

/** Hostile `<id>@<cloud>` ids as sent in the path, and what the 400 says, naming the qualifier. */
export const MALFORMED_IDS: [sent: string, message: string][] = [
  ['vol-1@sp1@sp2', malformed('@sp1@sp2')],
  ['vol-1%40sp1%40sp2', malformed('@sp1@sp2')],
  ['vol-1@@sp1', malformed('@@sp1')],
  ['vol-1@', malformed('@')],
  ['@sp1', malformed('@sp1')],
  ['@sp1%00', control('@sp1%00')],
  ['@sp1%0A', control('@sp1%0A')],
  ['@sp1%09', control('@sp1%09')],
  ['vol-1@sp1%00', control('vol-1@sp1%00')],
  ['vol-1@sp%C3%A9', malformed('@spé')],
  ['vol-1@sp%201', malformed('@sp 1')],
  ['..@sp1', malformed('@sp1')],
  ['%2E@sp1', malformed('@sp1')],
];

