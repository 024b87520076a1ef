import { spawnSync } from "child_process";
import * as path from "path";
import { stackFileWith } from "../harness/offline";

const ROOT = path.resolve(__dirname, "..", "..");

/** Run `npm run plan` exactly as a user does (Node 22 from the project, through npm). */
function plan(args: string[]) {
  const r = spawnSync("npm", ["run", "-s", "plan", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

describe("npm run plan", () => {
  it("prints the JSON of DESIGN section 6 for prod", () => {
    const r = plan(["--stack", "prod", "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.stack).toBe("prod");
    expect(Array.isArray(out.resources)).toBe(true);
    expect(out.resources.some((x: any) => x.type === "pulumi:providers:kubernetes")).toBe(true);
    for (const x of out.resources) expect(Object.keys(x)).toEqual(expect.arrayContaining(["type", "name", "inputs"]));
    // 5 data classes x 5 data scenarios, and agent_responses x llm-provider-outage.
    expect(out.budget).toHaveLength(26);
    const scenarios = new Set(out.budget.map((b: any) => b.scenario));
    expect([...scenarios].sort()).toEqual(["credential-compromise", "instance-loss", "llm-provider-outage", "logical-corruption", "region-loss", "zone-loss"]);
    const b = out.budget[0];
    expect(b.target).toEqual({ rpoSeconds: expect.anything(), rtoSeconds: expect.anything() });
    expect(typeof b.ok).toBe("boolean");
    expect(typeof b.limitedBy).toBe("string");
    for (const v of out.violations) expect(Object.keys(v).sort()).toEqual(["level", "message", "policy", "resource"]);
    // The IAM request matrix ran over this plan's resources and found nothing unexpected.
    expect(out.access.judged).toBeGreaterThan(100);
    expect(out.access).toMatchObject({ unexpected: [], contract: [] });
    expect(r.status).toBe(out.violations.some((v: any) => v.level === "mandatory") ? 1 : 0);
    // Fault schedules are off in prod: every class is listed, none has a test scheduled.
    expect(out.measuredTests.map((c: any) => c.dataClass)).toEqual(out.signals.map((c: any) => c.dataClass));
    expect(out.measuredTests.every((c: any) => c.tests.length === 0)).toBe(true);
  });

  it("lists per data class the in-cluster tests that measure it in staging, and none scheduled in prod", () => {
    const staging = plan(["--stack", "staging"]).stdout;
    expect(staging).toMatch(/^  conversation_history: postgres-leader-kill \(instance-loss\) weekly Tue 02:00 UTC, postgres-leader-partition \(instance-loss\) weekly Thu 02:00 UTC, backup-restore \(DR test, logical-corruption\) weekly Mon 03:00 UTC, /m);
    expect(staging).toMatch(/^  agent_responses: llm-provider-egress-block \(llm-provider-outage\) weekly Sat 02:00 UTC, llm-outage-test \(DR test, llm-provider-outage\) monthly on the 8th 05:00 UTC$/m);
    expect(staging).toMatch(/^  session_state: redis-primary-kill \(instance-loss, by a DR test CronJob\) weekly Fri 02:00 UTC, sentinel-failover \(DR test, instance-loss\) weekly Wed 03:00 UTC$/m);
    const prod = plan(["--stack", "prod"]).stdout;
    expect(prod).toMatch(/^  conversation_history: none scheduled$/m);
    expect(prod).toMatch(/^  session_state: none scheduled$/m);
    expect(prod).not.toMatch(/postgres-leader-kill|redis-primary-kill/);
  });

  it("prints a human table with the budget and violations", () => {
    const r = plan(["--stack", "staging"]);
    expect(r.stdout).toMatch(/Recovery budget/);
    expect(r.stdout).toMatch(/conversation_history\s+instance-loss/);
    expect(r.stdout).toMatch(/Violations/);
    expect(r.stdout).toMatch(/^IAM: \d+ requests judged, 0 unexpected/m);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a misspelled override", { "agent-dr:postgres": { overrides: { archiveTimeout: 60 } } }, /agent-dr:postgres\.overrides\.archiveTimeout: got 60; unknown key/],
    ["a malformed cron", { "agent-dr:backup": { overrides: { logicalBackupSchedule: "every day" } } }, /agent-dr:backup\.overrides\.logicalBackupSchedule: got "every day"; expected a 5-field cron/],
    ["RPO > RTO", { "agent-dr:dataClasses": { usage_billing_data: { rpo: "2h" } } }, /agent-dr:dataClasses\.usage_billing_data\.rpo: got "2h"; expected an RPO no larger than the RTO/],
    ["the DR region equal to the primary", { "agent-dr:regions": { dr: "us-east-1" } }, /agent-dr:regions\.dr: got "us-east-1"; expected a region other than the primary/],
    ["a wrong type", { "agent-dr:dns": { overrides: { ttlSeconds: "60" } } }, /agent-dr:dns\.overrides\.ttlSeconds: got "60"; expected a number/],
  ])("exits 2 on %s, naming the key", (_what, patch, message) => {
    const r = plan(["--stack", "prod", "--config-file", stackFileWith("prod", patch)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("refuses a project stack's file planned as another stack (it would be judged by the other stack's policy config), exit 2 with JSON under --json", () => {
    const r = plan(["--stack", "staging", "--config-file", "Pulumi.prod.yaml", "--json"]);
    expect(r.status).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.error).toMatch(/in Pulumi\.prod\.yaml/);
    expect(out.issues).toEqual([{ key: "--stack", value: "staging", expected: expect.stringMatching(/^expected "prod", the stack Pulumi\.prod\.yaml belongs to/) }]);
  });
});
