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

/** What a package's option table entry says, as far as these checks read it. */
interface TableEntry {
  kind: string;
  default: unknown;
  description: string;
  min?: number;
  max?: number;
}

/**
 * The README rows (`| option | default | meaning |`) that do not say what the table says: one line
 * per tunable whose row is missing or stale, empty when the README follows the table.
 */
export function readmeTableMismatches<E extends TableEntry>(readmePath: string, table: Record<string, E>, defaultText: (entry: E) => string): string[] {
  const rows = readmeOptionTable(readmePath);
  return Object.entries(table).flatMap(([name, entry]) => {
    const row = rows.get(name);
    if (!row) return [`${name}: no row`];
    const wanted = { default: defaultText(entry), meaning: entry.description };
    return row.default === wanted.default && row.meaning === wanted.meaning ? [] : [`${name}: README says ${JSON.stringify(row)}, the table ${JSON.stringify(wanted)}`];
  });
}

/** For each integer tunable, the values just outside its bounds: each must be refused, naming it. */
export function outOfBounds(table: Record<string, TableEntry>): [name: string, value: number][] {
  return Object.entries(table).flatMap(([name, entry]): [string, number][] =>
    entry.kind !== 'integer' || entry.min === undefined ? [] : [[name, entry.min - 1], ...(entry.max === undefined ? [] : [[name, entry.max + 1] as [string, number]])],
  );
}
