// Transpile-only (swc): type errors are caught once by `tsc --noEmit`, not per test file.
const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
};

/**
 * Four projects, one folder each (docs/ARCHITECTURE.md, "Tests"):
 * - unit: pure code (model, renders, evaluators, engines with local stand-ins); `npm run test:unit`, under a minute.
 * - stack: the program under Pulumi's mock runtime (plans, objects, IAM and network matrices).
 * - policies: the CrossGuard pack, one file per rule in policies/rules, and the pack as the CLI loads it.
 * - real: real servers and tools (PostgreSQL, Patroni, etcd, Redis, Sentinel, s3rver, promtool, shellcheck).
 */
const project = (name) => ({
  displayName: name,
  testEnvironment: "node",
  roots: [`<rootDir>/test/${name}`],
  testMatch: ["**/*.test.ts"],
  transform,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: ["unit", "stack", "policies", "real"].map(project),
  // A global option (ignored inside a project): real timers and servers; a file sets longer ones where it needs them.
  testTimeout: 60000,
  // Jest's default on a 2-core machine is one worker (cores - 1), which runs the files one after
  // another although the real-server files mostly wait on their servers. Every such file has its
  // own loopback port range, so two run side by side.
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/test/reporters/summary-line.js"],
};
