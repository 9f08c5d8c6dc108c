import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART } from './support/helm';
import { TABLE_END, TABLE_START, valuesTable } from './support/values-table';

const README = join(CHART, 'README.md');

describe('the chart README', () => {
  it('lists every key of values.yaml with its default and description', () => {
    const expected = valuesTable(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + TABLE_START.length, end).trim();
    if (current !== expected && process.env.UPDATE_CHART_README === '1') {
      writeFileSync(
        README,
        `${readme.slice(0, start + TABLE_START.length)}\n\n${expected}\n\n${readme.slice(end)}`,
      );
      return;
    }
    // On a mismatch, regenerate with: UPDATE_CHART_README=1 make chart-test
    expect(current).toBe(expected);
  });
});
