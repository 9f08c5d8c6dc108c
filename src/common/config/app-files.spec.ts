import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAppRoot, OPENAPI_FILE, PACKAGE_JSON } from './app-files';

describe('findAppRoot', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'app-root-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the nearest directory with a package.json, from any depth below it', () => {
    writeFileSync(join(dir, 'package.json'), '{}');
    mkdirSync(join(dir, 'dist', 'common', 'config'), { recursive: true });
    expect(findAppRoot(join(dir, 'dist'))).toBe(dir);
    expect(findAppRoot(join(dir, 'dist', 'common', 'config'))).toBe(dir);
    expect(findAppRoot(dir)).toBe(dir);
  });

  it('names the directory it started from when there is none', () => {
    // tmpdir() has no package.json above it on any machine this runs on.
    expect(() => findAppRoot(dir)).toThrow(`no package.json in ${dir} or above it`);
  });

  it('puts package.json at the project root and the OpenAPI document in its dist/', () => {
    const root = join(__dirname, '..', '..', '..');
    expect(PACKAGE_JSON).toBe(join(root, 'package.json'));
    expect(OPENAPI_FILE).toBe(join(root, 'dist', 'openapi.json'));
  });
});
