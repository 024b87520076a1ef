import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/pack";

const RULES = path.resolve(__dirname, "..", "..", "policies", "rules");
const TESTS = path.resolve(__dirname, "rules");

// One test file per rule, named as the rule's file: a policy added to the pack without its tests fails here.
test("every policy of the pack has its test file beside the others, named for its rule", () => {
  const withoutTests = policies.map((p) => p.name).filter((name) => !fs.existsSync(path.join(TESTS, `${name}.test.ts`)));
  expect(withoutTests).toEqual([]);
});

test("every rule file is a policy of the pack and every test file names a rule", () => {
  const names = policies.map((p) => p.name).sort();
  expect(fs.readdirSync(RULES).map((f) => f.replace(/\.ts$/, "")).sort()).toEqual(names);
  expect(fs.readdirSync(TESTS).map((f) => f.replace(/\.test\.ts$/, "")).filter((n) => !names.includes(n))).toEqual([]);
});
