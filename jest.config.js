// Transpile-only (swc): type errors are caught once by `tsc --noEmit`, not per test file.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  testTimeout: 60000,
  // Jest's default on a 2-core machine is one worker (cores - 1), which runs the files one after
  // another although the real-server files mostly wait on their servers. Every such file has its
  // own loopback port range, so two run side by side.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/test/reporters/summary-line.js"],
};
