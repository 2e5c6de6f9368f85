/**
 * Three tiers, one run (`npm test` runs them all; CI runs `npm test`):
 * - unit (`*.spec.ts`): no Postgres, no Redis, no network beyond a fake server of the test's own: `npm run test:unit`;
 * - int (`*.int-spec.ts`): repositories, the rate limiter and the writer against a real Postgres and Redis;
 * - e2e (`*.e2e-spec.ts`): the service, its processes and the simulator over real HTTP (needs `npm run build`).
 */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const shared = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/twilio-sim(|/.*)$': '<rootDir>/apps/twilio-sim/src$1',
    '^@app/([a-z-]+)(|/.*)$': '<rootDir>/libs/$1/src$2',
  },
};

module.exports = {
  testTimeout: 120000,
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testRegex: '.*(?<!\\.int|\\.e2e)\\.spec\\.ts$' },
    { ...shared, displayName: 'int', testRegex: '.*\\.int-spec\\.ts$' },
    { ...shared, displayName: 'e2e', testRegex: '.*\\.e2e-spec\\.ts$' },
  ],
};
