import { readFileSync } from 'node:fs';

/**
 * A README's option table (the first whose header starts `| option |`) as rows by option name
 * (backticks dropped), each its cells by column name: what a test holds to a package's option table.
 */
export function readmeOptionTable(readmePath: string): Map<string, Record<string, string>> {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('| option |'));
  if (start < 0) throw new Error(`${readmePath}: no option table`);
  const cells = (line: string) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
  const columns = cells(lines[start]);
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const row = cells(line);
    rows.set(row[0].replace(/`/g, ''), Object.fromEntries(columns.map((column, i) => [column, row[i]])));
  }
  return rows;
}
