/**
 * The layers and the one direction they may point (docs/ARCHITECTURE.md, "Layers"). Type-only
 * imports count: a type cycle is still a cycle for whoever reads or moves the code.
 * Checked by test/unit/layers.test.ts (npm test) and `npm run layers`.
 */
const ours = "^(contract|dr|probe|components|policies|runbooks|access|offline|drills|testbed|cli|index[.]ts)";

/** A forbidden direction: files under `from` may not import files under any of `to`. */
function never(name, from, to, comment) {
  return { name, comment, severity: "error", from: { path: from }, to: { path: `^(${to.join("|")})/` } };
}

module.exports = {
  forbidden: [
    { name: "no-cycle", comment: "no import cycle, type-only imports included", severity: "error", from: { path: ours }, to: { circular: true } },
    never("contract-is-a-leaf", "^contract/", ["dr", "probe", "components", "policies", "runbooks", "access", "offline", "drills", "testbed", "cli", "test"], "the contract holds names, labels, annotations and shared types; it depends on nothing of ours"),
    never("model-below-everything", "^dr/", ["probe", "components", "policies", "runbooks", "access", "offline", "drills", "testbed", "cli", "test"], "the DR model depends on the contract only"),
    never("probe-below-the-tiers", "^probe/", ["dr", "components", "policies", "runbooks", "access", "offline", "drills", "testbed", "cli", "test"], "the recovery probe runs in its own image process: it knows the contract (names, config shape) and its stores' clients, nothing of the model or the tiers"),
    never("components-not-up", "^components/", ["probe", "runbooks", "policies", "access", "offline", "drills", "testbed", "cli", "test"], "components render and provision; what runbooks and policies share with them is in the contract"),
    never("runbooks-not-sideways", "^runbooks/", ["probe", "components", "policies", "access", "offline", "drills", "testbed", "cli", "test"], "runbooks know the stack through the contract and the model, not through the components"),
    never("policies-not-sideways", "^policies/", ["probe", "components", "runbooks", "access", "offline", "drills", "testbed", "cli", "test"], "the pack reads resources; names it looks for come from the contract"),
    never("access-not-up", "^access/", ["runbooks", "policies", "offline", "drills", "testbed", "cli", "test"], "the IAM matrix judges what the components render and the mock runtime captured (its record type is in the contract)"),
    never("offline-not-up", "^offline/", ["runbooks", "drills", "testbed", "cli", "test"], "the mock runtime runner and the plan sit below the drills and the CLI"),
    never("testbed-not-up", "^testbed/", ["drills", "cli", "test"], "the testbed starts servers for the drills and the tests; it knows neither"),
    never("drills-not-up", "^drills/", ["cli", "test"], "the drills are run by the CLI and the tests"),
    never("nothing-imports-tests", ours, ["test"], "test/ is on top"),
    never("nothing-imports-the-cli", "^(contract|dr|probe|components|policies|runbooks|access|offline|drills|testbed)/", ["cli"], "the CLI is the top"),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|reports|schemas)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
