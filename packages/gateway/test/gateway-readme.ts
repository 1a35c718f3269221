import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The gateway README (packages/gateway/README.md) as its operator-step tests read it: the fast
 * suite's readme-operator-steps.test.ts (simulated federation) and the real-Keystone suite's
 * (test/keystone/readme-operator-steps.test.ts) take their commands, snippets and quotes from here.
 */
export const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README's prose with line breaks and indentation as single spaces, for sentences that wrap. */
export const PROSE = README.replace(/\s+/g, ' ');

/** The README's fenced code blocks of one language, their indentation (in a list item) removed. */
export function codeBlocks(language: string): string[] {
  const fence = /^( *)```(\w*)\n([\s\S]*?)^\1```$/gm;
  return [...README.matchAll(fence)].filter((match) => match[2] === language).map((match) => match[3].replace(new RegExp(`^${match[1]}`, 'gm'), ''));
}

/** The README's shell commands, comments removed, one per line. */
function commands(): string[] {
  return codeBlocks('sh')
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+# .*$/, '').trim())
    .filter((line) => line !== '');
}

/** The README's first command that starts with `prefix`, as the shell splits it into words (the README quotes with "..." or '...' only). */
export function command(prefix: string): string[] {
  const found = commands().find((line) => line.startsWith(prefix));
  if (!found) throw new Error(`the README has no \`${prefix}\` command`);
  return [...found.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2] ?? word[3]);
}

/** The README's command line that writes `file` (`... > file`), as it is written, if there is one. */
export function writerOf(file: string): string | undefined {
  return commands().find((line) => line.endsWith(`> ${file}`));
}

/** The value of `--option` in a command's words. */
export function option(words: string[], name: string): string {
  const at = words.indexOf(name);
  if (at < 0) throw new Error(`no ${name} in ${words.join(' ')}`);
  return words[at + 1];
}

/** The mapping rules of the reseller steps (the JSON block with the service user's `any_one_of`), as written. */
export function resellerMappingRules(): string {
  const block = codeBlocks('json').find((text) => text.includes('"any_one_of"'));
  if (!block) throw new Error('the README shows no mapping rules with any_one_of');
  return block;
}
