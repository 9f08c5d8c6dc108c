// Two projects so `--selectProjects unit|e2e` can run either. ts-jest only transpiles
// (isolatedModules in tsconfig.json) because `make test` type-checks with tsc separately.
const transform = { '^.+\\.ts$': 'ts-jest' };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: 'src',
      testMatch: ['<rootDir>/**/*.spec.ts'],
      transform,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: 'test',
      testMatch: ['<rootDir>/**/*.e2e-spec.ts'],
      transform,
    },
  ],
};
