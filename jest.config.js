/** Every test in the repository: unit specs beside the code, end-to-end specs in each app's test/. */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

module.exports = {
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/config'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
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
