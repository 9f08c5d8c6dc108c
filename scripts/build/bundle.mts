/**
 * Bundles the compiled service (dist/main.js) and its container health check into one file each
 * in dist/bundle/, with every runtime dependency inside, and writes the bundled packages' licences
 * (THIRD-PARTY-NOTICES.txt) and an SBOM of them (sbom.cdx.json) next to them. The service then
 * loads one file instead of about 650 modules, which halves its start-up (docs/performance.md,
 * "Start-up"), and the image needs no node_modules.
 *
 *   node scripts/build/bundle.mts      (`npm run build` runs it after tsc and the OpenAPI document)
 */
import { build, type Metafile } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const OUT_DIR = 'dist/bundle';

// Nest and terminus load these only when an application uses them; httpserver does not, and they
// are not installed. Leaving them out keeps Nest's own "package is missing" handling.
const NOT_INSTALLED = [
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets/*',
  'class-transformer',
  'class-validator',
];

const RXJS_AS_ES_MODULES = {
  rxjs: './node_modules/rxjs/dist/esm/index.js',
  'rxjs/operators': './node_modules/rxjs/dist/esm/operators/index.js',
};

const result = await build({
  entryPoints: { main: 'dist/main.js', healthcheck: 'dist/healthcheck.js' },
  outdir: OUT_DIR,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: NOT_INSTALLED,
  // rxjs's ES module build, not the CommonJS one Node's "node" condition picks. Nest's pipeline
  // calls rxjs several times per request; in the CommonJS build each call reads its function from
  // an exports object, through a getter where an ES module (Nest) imports it, and in the ES build
  // it is a plain binding: the service answered 1.085 times as many requests (docs/performance.md).
  alias: RXJS_AS_ES_MODULES,
  // Nest 12 and terminus are ES modules that call createRequire(import.meta.url); a CommonJS bundle
  // has no import.meta, so the bundle's own file URL stands in for it.
  banner: { js: 'const __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__bundleFileUrl' },
  // Nest names its log contexts and modules after classes, which the bundle would rename
  // (InstanceLoader to _InstanceLoader, TerminusModule to TerminusModule2).
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  write: false,
  logLevel: 'warning',
});

// Another import path (rxjs/internal/...) would bring the CommonJS build in beside the ES one: two
// rxjs whose Observables do not recognise each other.
const rxjsCommonJs = Object.keys(result.metafile.inputs).filter((input) => input.includes('rxjs/dist/cjs/'));
if (rxjsCommonJs.length > 0) {
  throw new Error(
    `rxjs's CommonJS build is bundled (${rxjsCommonJs[0]}): map its import path in RXJS_AS_ES_MODULES`,
  );
}

for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, keepNamesCheaply(file.text));
}
const packages = bundledPackages(result.metafile);
writeFileSync(join(OUT_DIR, 'THIRD-PARTY-NOTICES.txt'), notices(packages));
writeFileSync(join(OUT_DIR, 'sbom.cdx.json'), sbom(packages));

/**
 * keepNames makes esbuild wrap every named function in `__name(fn, "name")`, which sets the name at
 * run time, also on the functions a request creates (in rxjs, Nest's pipeline, Express): a fifth of
 * the service's throughput. Where the name is the one JavaScript gives the function anyway (`var x
 * = function () {}`, `{ x: () => {} }`), the wrapper goes; what remains sets only a name that
 * differs, the names of classes the bundle renamed (InstanceLoader to _InstanceLoader) above all.
 */
function keepNamesCheaply(code: string): string {
  const source = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  // What to cut: `__name(` before the function and `, "x")` after it, so that nested cuts never overlap.
  const cuts: [start: number, end: number][] = [];
  const visit = (node: ts.Node): void => {
    const fn = unwrappable(node);
    if (fn !== undefined) cuts.push([node.getStart(source), fn.getStart(source)], [fn.end, node.end]);
    ts.forEachChild(node, visit);
  };
  visit(source);
  const kept: string[] = [];
  let from = 0;
  for (const [start, end] of cuts.sort((a, b) => a[0] - b[0])) {
    kept.push(code.slice(from, start));
    from = end;
  }
  kept.push(code.slice(from));
  return leanNameHelper(kept.join(''));
}

/** The function in `__name(function () {}, "x")` when the place it is written gives it the name "x". */
function unwrappable(node: ts.Node): ts.Expression | undefined {
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== '__name')
    return undefined;
  const [fn, name] = node.arguments;
  if (fn === undefined || name === undefined || !ts.isStringLiteral(name)) return undefined;
  if (!ts.isFunctionExpression(fn) && !ts.isArrowFunction(fn)) return undefined;
  if (fn.name !== undefined && fn.name.text !== name.text) return undefined;
  const { parent } = node;
  const bindsName =
    (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && parent.name.text === name.text) ||
    ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) &&
      ts.isIdentifier(parent.name) &&
      parent.name.text === name.text) ||
    (ts.isBinaryExpression(parent) &&
      parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(parent.left) &&
      parent.left.text === name.text) ||
    fn.name !== undefined;
  return bindsName ? fn : undefined;
}

/** esbuild's helper, changed to leave alone a function whose name is already right. */
function leanNameHelper(code: string): string {
  const helper =
    /^var __name = \((\w+), (\w+)\) => __defProp\(\1, "name", \{ (value(?:: \2)?), configurable: true \}\);$/m;
  const match = helper.exec(code);
  if (match === null) throw new Error("esbuild's __name helper changed: review leanNameHelper");
  const [, target, value, property] = match;
  return code.replace(
    helper,
    `var __name = (${target}, ${value}) => ${target}.name === ${value} ? ${target} : ` +
      `__defProp(${target}, "name", { ${property}, configurable: true });`,
  );
}

interface BundledPackage {
  name: string;
  version: string;
  license?: string;
  text: string;
}

/** The packages whose files went into the bundles, with their licence texts. */
function bundledPackages(metafile: Metafile): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const dir = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    if (dir !== undefined) dirs.add(dir);
  }
  return [...dirs].sort().map((dir) => {
    const { name, version, license, licenses } = JSON.parse(
      readFileSync(join(dir, 'package.json'), 'utf8'),
    ) as {
      name: string;
      version: string;
      license?: string;
      licenses?: { type: string }[]; // the older form, still in a few packages
    };
    const named = license ?? licenses?.map((entry) => entry.type).join(' OR ');
    const file = readdirSync(dir).find((entry) => /^(licen[cs]e|copying|notice)/i.test(entry));
    const text =
      file === undefined
        ? `(the package has no licence file; its package.json says ${named ?? 'nothing'})`
        : readFileSync(join(dir, file), 'utf8').trim();
    return { name, version, license: named, text };
  });
}

/** Each bundled package's name, version and licence text, so that the image carries them. */
function notices(packages: BundledPackage[]): string {
  const sections = packages.map(
    ({ name, version, license, text }) =>
      `${name} ${version} (${license ?? 'no licence named'})\n\n${text}\n`,
  );
  const rule = `\n${'-'.repeat(78)}\n\n`;
  return `httpserver's bundles (dist/bundle/*.js) contain these ${sections.length} packages.\n\n${sections.join(rule)}`;
}

/**
 * A CycloneDX SBOM of the bundled packages: with no node_modules in the image, this is what
 * vulnerability scanners read (`trivy sbom`, `grype sbom:`).
 */
function sbom(packages: BundledPackage[]): string {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const purl = (name: string, at: string): string => `pkg:npm/${name.replace('@', '%40')}@${at}`;
  const document = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: {
      component: { type: 'application', name: 'httpserver', version, purl: purl('httpserver', version) },
    },
    components: packages.map(({ name, version: at, license }) => ({
      type: 'library',
      name,
      version: at,
      purl: purl(name, at),
      ...(license === undefined ? {} : { licenses: [{ expression: license }] }),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
