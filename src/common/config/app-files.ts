import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory holding the project's package.json, found upward from `from`. The same code runs
 * from src/ (the tests), from the compiled tree in dist/ and from the one-file bundle in
 * dist/bundle/ (in the image, /app/dist/main.js), each at a different depth below it.
 */
export function findAppRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${from} or above it`);
  }
}

const APP_ROOT = findAppRoot(__dirname);

/** package.json, for the version the service reports when VERSION is empty. */
export const PACKAGE_JSON = join(APP_ROOT, 'package.json');

/** The OpenAPI document `npm run build` writes (generate-openapi.ts) and GET /openapi.json serves. */
export const OPENAPI_FILE = join(APP_ROOT, 'dist', 'openapi.json');
