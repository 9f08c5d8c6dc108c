// Projects so `--selectProjects unit|e2e|chart` can run each; `make test` runs unit and e2e,
// `make chart-test` runs chart, `make test-observability` runs observability. ts-jest only transpiles
// (isolatedModules in tsconfig.json) because `make test` type-checks with tsc separately.
const transform = { '^.+\\.ts$': 'ts-jest' };
// Files the benchmarks also run under Node import with a .ts extension, which ts-jest rewrites to .js.
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: 'src',
      testMatch: ['<rootDir>/**/*.spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: 'test',
      testMatch: ['<rootDir>/**/*.e2e-spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'chart',
      testEnvironment: 'node',
      rootDir: 'test/chart',
      testMatch: ['<rootDir>/**/*.chart-spec.ts'],
      transform,
      moduleNameMapper,
      // kubernetes-models packages are ESM-only: their exports name only the "import" condition.
      testEnvironmentOptions: { customExportConditions: ['node', 'import', 'default'] },
    },
    {
      displayName: 'observability',
      testEnvironment: 'node',
      rootDir: 'test',
      testMatch: ['<rootDir>/observability/**/*.obs-spec.ts'],
      transform,
      moduleNameMapper,
    },
  ],
};
