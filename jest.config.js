/** Every test in the repository: unit specs beside the code, end-to-end specs in each app's test/. */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

/**
 * Files that judge latencies or race timers against a busy CPU: `npm test` runs them alone, one at a time, after
 * the others have run two at a time (docs/development.md#test-run-time).
 */
const SERIAL_FILES = [
  'apps/controller/test/grid-safety.e2e-spec.ts',
  'apps/controller/test/fuzz-admin.e2e-spec.ts',
  'apps/controller/test/fuzz-ocpp.e2e-spec.ts',
  'apps/controller/test/fuzz-oscp.e2e-spec.ts',
  'apps/controller/test/tls.e2e-spec.ts',
  'apps/controller/test/crash-recovery.e2e-spec.ts',
  'apps/controller/test/ocpp-learned-state.e2e-spec.ts',
  'apps/controller/test/dso-offline-fallback.e2e-spec.ts',
  'libs/dispatch/src/charging-profiles.processor.spec.ts',
];

/** `TEST_PHASE=parallel`: every file but those; `serial`: only those; unset: every file. */
function filesOfPhase(phase) {
  const serial = SERIAL_FILES.map((file) => `<rootDir>/${file}`);
  if (phase === 'serial') return { testMatch: serial };
  const testRegex = '.*\\.(spec|e2e-spec)\\.ts$';
  if (phase === 'parallel') return { testRegex, testPathIgnorePatterns: ['/node_modules/', ...serial] };
  if (phase === undefined || phase === '') return { testRegex };
  throw new Error(`TEST_PHASE must be parallel, serial or unset, not ${phase}`);
}

module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/config'],
  ...filesOfPhase(process.env.TEST_PHASE),
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleNameMapper: {
    // libs/optimizer is also published as ES modules, whose relative imports name the emitted .js file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    ...pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  },
  // A built package (npm run build:optimizer) must not shadow the sources the tests import.
  modulePathIgnorePatterns: ['<rootDir>/libs/[^/]+/dist/'],
  testEnvironment: 'node',
  testTimeout: 60000,
};
