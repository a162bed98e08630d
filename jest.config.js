/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // The generated Prisma client imports its own files with a .js suffix.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that has run PGlite keeps several WebAssembly memories (10 GB reservations, ~700 MB resident) until
  // it exits; with no handle left open, the operating system still needs 0.2 s (idle) to over 0.5 s (loaded
  // machine) to tear it down, which Jest's 500 ms default reports as "failed to exit gracefully" (issue 9).
  workerGracefulExitTimeout: 3000,
};
