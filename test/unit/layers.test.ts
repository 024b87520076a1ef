import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/*
 * The layers of docs/ARCHITECTURE.md, held by dependency-cruiser with the rules of
 * .dependency-cruiser.cjs: no import cycle (type-only imports included) and no import against the
 * allowed direction. The second test runs the same rules over a small tree that breaks each kind,
 * so a rule that stopped matching (a renamed folder, say) fails here instead of passing silently.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const CONFIG = path.join(ROOT, ".dependency-cruiser.cjs");
const LAYERS = ["contract", "dr", "probe", "components", "policies", "runbooks", "access", "offline", "drills", "testbed", "cli", "index.ts", "test"];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}

function cruise(cwd: string, paths: string[]): Violation[] {
  const run = spawnSync(path.join(ROOT, "node_modules/.bin/node"), [path.join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruiser.mjs"), "--config", CONFIG, "--output-type", "json", ...paths], {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.stdout.trim() === "") throw new Error(`dependency-cruiser failed (${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout).summary.violations as Violation[]) ?? [];
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(" -> ")})` : ""}`;

test("the project's imports form no cycle and point only down the layers", () => {
  const present = LAYERS.filter((p) => fs.existsSync(path.join(ROOT, p)));
  expect(cruise(ROOT, present).map(describeViolation)).toEqual([]);
}, 120_000);

test("the rules catch a cycle, a type-only cycle and an import against the direction", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layers-"));
  try {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "commonjs", strict: true } }));
    write("dr/a.ts", 'import { b } from "./b";\nexport const a = () => b;\n');
    write("dr/b.ts", 'import { a } from "./a";\nexport const b = () => a;\n');
    write("components/tier.ts", 'import type { Cluster } from "./platform";\nexport interface Tier { c: Cluster }\n');
    write("components/platform.ts", 'import type { Tier } from "./tier";\nexport interface Cluster { t?: Tier }\n');
    write("runbooks/run.ts", 'import { c } from "../components/render";\nexport const r = c;\n');
    write("components/render.ts", "export const c = 1;\n");
    write("contract/names.ts", 'import { a } from "../dr/a";\nexport const n = a;\n');
    // A cycle is reported once, from whichever of its files the cruiser meets first: name it by folder.
    const found = new Set(cruise(dir, ["contract", "dr", "components", "runbooks"]).map((v) => `${v.rule.name} ${v.from.split("/")[0]}`));
    expect([...found].sort()).toEqual(["contract-is-a-leaf contract", "no-cycle components", "no-cycle dr", "runbooks-not-sideways runbooks"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
