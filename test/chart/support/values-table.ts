import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';

export const TABLE_START = '<!-- values-table:start (generated from values.yaml by the chart tests) -->';
export const TABLE_END = '<!-- values-table:end -->';

interface Row {
  key: string;
  type: string;
  value: unknown;
  description: string;
}

/** The "-- description" paragraph of a comment block (helm-docs' convention), or undefined. */
function description(comment: string | null | undefined): string | undefined {
  if (!comment) return undefined;
  const lines = comment.split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => line.startsWith('-- '));
  if (start === -1) return undefined;
  return lines.slice(start).join(' ').slice(3).trim();
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** One row per documented key; a map without its own description is expanded into its keys. */
function collect(
  map: YAMLMap,
  prefix: string,
  inheritedComment: string | null | undefined,
  rows: Row[],
  undocumented: string[],
): void {
  map.items.forEach((pair, index) => {
    if (!isScalar(pair.key)) return;
    const key = `${prefix}${String(pair.key.value)}`;
    const comment = index === 0 && !pair.key.commentBefore ? inheritedComment : pair.key.commentBefore;
    const text = description(comment);
    if (isMap(pair.value) && pair.value.items.length > 0 && text === undefined) {
      collect(pair.value, `${key}.`, pair.value.commentBefore, rows, undocumented);
      return;
    }
    if (text === undefined) {
      undocumented.push(key);
      return;
    }
    const value: unknown = (pair.value as { toJSON(): unknown } | null)?.toJSON() ?? null;
    rows.push({ key, type: typeOf(value), value, description: text });
  });
}

/** The Markdown values table for values.yaml; throws if a key has no "# --" description. */
export function valuesTable(valuesYaml: string): string {
  const document = parseDocument(valuesYaml);
  const rows: Row[] = [];
  const undocumented: string[] = [];
  collect(document.contents as YAMLMap, '', null, rows, undocumented);
  if (undocumented.length > 0)
    throw new Error(`values.yaml keys without a "# --" description: ${undocumented.join(', ')}`);
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  return [
    '| key | type | default | description |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| \`${r.key}\` | ${r.type} | \`${cell(JSON.stringify(r.value))}\` | ${cell(r.description)} |`,
    ),
  ].join('\n');
}
