import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerProcess } from './support/server-process';

const ROOT = join(__dirname, '..');
const BUNDLE_DIR = join(ROOT, 'dist', 'bundle');
/** CycloneDX's own JSON schemas, as its library ships them. */
const CYCLONEDX_SCHEMAS = join(ROOT, 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema');

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

jest.setTimeout(30_000);

/**
 * The service runs as one bundled file (scripts/build/bundle.mts). Bundling renames classes that
 * clash, and Nest names its log contexts and modules after classes.
 */
describe('the bundle the image ships', () => {
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps Nest's class names in its start-up lines", async () => {
    server = await ServerProcess.start({ LOG_LEVEL: 'info' });
    const contexts = new Set(server.lines.map((line) => line.context));
    expect([...contexts]).toEqual(
      expect.arrayContaining([
        'NestFactory',
        'InstanceLoader',
        'RoutesResolver',
        'RouterExplorer',
        'NestApplication',
      ]),
    );
    const modules = server.lines
      .filter((line) => line.context === 'InstanceLoader')
      .map((line) => line.msg.replace(' dependencies initialized', ''));
    expect(modules).toEqual(
      expect.arrayContaining(['TerminusModule', 'PrometheusModule', 'LoggerModule', 'AppModule']),
    );
    expect(modules.filter((name) => !/^[A-Z][A-Za-z]+Module$/.test(name))).toEqual([]);
  });

  describe('its SBOM, which scanners read since the image has no node_modules', () => {
    interface Component {
      name: string;
      version: string;
      purl: string;
    }
    const sbom = readJson(join(BUNDLE_DIR, 'sbom.cdx.json')) as { components: Component[] };

    it('is a CycloneDX 1.5 document its schema accepts', () => {
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      // ajv-formats has no IRI or IDN formats; the SBOM fills no field that uses them.
      ajv.addFormat('iri-reference', true).addFormat('idn-email', true);
      // The schema refers to these two by their published addresses.
      for (const name of ['spdx', 'jsf-0.82']) {
        ajv.addSchema(
          readJson(join(CYCLONEDX_SCHEMAS, `${name}.SNAPSHOT.schema.json`)) as object,
          `http://cyclonedx.org/schema/${name}.SNAPSHOT.schema.json`,
        );
      }
      const validate = ajv.compile(
        readJson(join(CYCLONEDX_SCHEMAS, 'bom-1.5.SNAPSHOT.schema.json')) as object,
      );
      expect(validate(sbom) ? [] : validate.errors).toEqual([]);
    });

    it('names every package the licence notices name, at the installed versions', () => {
      const notices = readFileSync(join(BUNDLE_DIR, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
      const count = /contain these (\d+) packages/.exec(notices)?.[1];
      expect(sbom.components).toHaveLength(Number(count));
      for (const name of ['@nestjs/core', 'express', 'pino', 'prom-client']) {
        const { version } = readJson(join(ROOT, 'node_modules', name, 'package.json')) as { version: string };
        expect(sbom.components).toContainEqual(
          expect.objectContaining({ name, version, purl: `pkg:npm/${name.replace('@', '%40')}@${version}` }),
        );
      }
    });
  });
});
