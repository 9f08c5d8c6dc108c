import { ServerProcess } from './support/server-process';

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
});
