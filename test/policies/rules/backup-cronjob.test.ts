import { runResource } from "../../harness/policy-run";
import { cronJob } from "../fixtures";

describe("backup-cronjob", () => {
  it("passes a daily, Forbid, verified logical backup", async () => {
    expect((await runResource("backup-cronjob", cronJob())).messages).toEqual([]);
  });
  it("flags a missing concurrencyPolicy (Allow by default)", async () => {
    expect((await runResource("backup-cronjob", cronJob({ concurrencyPolicy: undefined }))).messages).toEqual([expect.stringMatching(/concurrencyPolicy is "Allow \(default\)"/)]);
  });
  it("flags a job without a verification step", async () => {
    const { messages } = await runResource("backup-cronjob", cronJob({ containers: [{ name: "upload", command: ["sh", "/scripts/upload.sh"] }] }));
    expect(messages).toEqual([expect.stringMatching(/no verification step/)]);
  });
  it("flags a monthly schedule against the daily RPO it serves, and honours a declared RPO", async () => {
    expect((await runResource("backup-cronjob", cronJob({ schedule: "0 2 1 * *" }))).messages).toEqual([expect.stringMatching(/logical backup schedule "0 2 1 \* \*" leaves up to .* more than the RPO 24h/)]);
    const declared = cronJob({ schedule: "0 */6 * * *", annotations: { "agent-dr/serves-rpo-seconds": "3600" } });
    expect((await runResource("backup-cronjob", declared)).messages.join()).toMatch(/more than the RPO 60m/);
  });
});
