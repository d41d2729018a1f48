// Jest runs TypeScript through ts-jest in ESM mode (the SDKs and @actions/core are ESM).
// Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
