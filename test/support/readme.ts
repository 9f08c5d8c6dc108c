import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface ShellBlock {
  /** The name in the `<!-- example: name -->` comment right above the block, if any. */
  example: string | undefined;
  code: string;
  line: number;
}

/** Every ```sh block of a Markdown file, with the example name its preceding comment gives. */
export function shellBlocks(file = join(ROOT, 'README.md')): ShellBlock[] {
  const text = readFileSync(file, 'utf8');
  const blocks: ShellBlock[] = [];
  const fence = /(?:<!-- example: ([\w-]+) -->\n\n?)?```(?:sh|bash|shell)\n([^]*?)```/g;
  for (const match of text.matchAll(fence)) {
    blocks.push({
      example: match[1],
      code: match[2] ?? '',
      line: text.slice(0, match.index).split('\n').length,
    });
  }
  return blocks;
}

/** True for a block that starts the service on this machine. */
export function startsTheService(code: string): boolean {
  return /(^|[\s;&(])make run\b|node dist\/main\.js/m.test(code);
}

/** The backticked names in the first column of the tables of one README section. */
export function firstColumnNames(heading: string, pattern: RegExp): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const names = new Set<string>();
  for (const row of readme.slice(start, end === -1 ? undefined : end).split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(row)?.[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([^`]+)`/g)) if (pattern.test(name!)) names.add(name!);
  }
  return names;
}
