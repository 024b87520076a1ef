import { describeCadence, measuredTestsByDataClass } from "../../components/chaos";

describe("describeCadence: the plan's words for a cron", () => {
  it.each([
    ["0 2 * * 2", "weekly Tue 02:00 UTC"],
    ["30 5 * * 0", "weekly Sun 05:30 UTC"],
    ["0 4 1 * *", "monthly on the 1st 04:00 UTC"],
    ["0 4 22 * *", "monthly on the 22nd 04:00 UTC"],
    ["0 4 13 * *", "monthly on the 13th 04:00 UTC"],
    ["15 3 * * *", "daily 03:15 UTC"],
    ["*/5 * * * *", 'cron "*/5 * * * *" UTC'],
    ["0 2 * * 1-5", 'cron "0 2 * * 1-5" UTC'],
  ])("%s -> %s", (cron, words) => {
    expect(describeCadence(cron)).toBe(words);
  });
});

describe("measuredTestsByDataClass reads the tests from the resources", () => {
  const schedule = (fault: string, cron: string) => ({ type: "kubernetes:chaos-mesh.org/v1alpha1:Schedule", name: fault, inputs: { metadata: { labels: { "agent-dr/fault": fault } }, spec: { schedule: cron } } });
  const cronJob = (labels: Record<string, string>, cron: string) => ({ type: "kubernetes:batch/v1:CronJob", name: "x", inputs: { metadata: { labels }, spec: { schedule: cron } } });
  const classes = [
    { name: "conversation_history", store: "postgres" },
    { name: "session_state", store: "redis" },
  ];

  it("faults first (a DR test CronJob that injects a scheduled fault is listed as the fault), then DR tests of the class's store; other stores' tests and unknown labels are left out", () => {
    const got = measuredTestsByDataClass(
      [
        cronJob({ "agent-dr/dr-test": "postgres-switchover" }, "0 4 1 * *"),
        schedule("postgres-leader-kill", "0 2 * * 2"),
        schedule("llm-provider-egress-block", "0 2 * * 6"),
        cronJob({ "agent-dr/dr-test": "sentinel-failover" }, "0 3 * * 3"),
        cronJob({ "agent-dr/dr-test": "redis-primary-kill", "agent-dr/fault": "redis-primary-kill" }, "0 2 * * 5"),
        cronJob({ "agent-dr/dr-test": "not-a-test" }, "0 3 * * 3"),
        cronJob({ "agent-dr/job": "logical-backup" }, "0 1 * * *"),
      ],
      classes,
    );
    expect(got).toEqual([
      {
        dataClass: "conversation_history",
        tests: [
          { name: "postgres-leader-kill", kind: "fault", injectedBy: "chaos-mesh", scenario: "instance-loss", schedule: "0 2 * * 2", cadence: "weekly Tue 02:00 UTC" },
          { name: "postgres-switchover", kind: "dr-test", scenario: "instance-loss", schedule: "0 4 1 * *", cadence: "monthly on the 1st 04:00 UTC" },
        ],
      },
      {
        dataClass: "session_state",
        tests: [
          { name: "redis-primary-kill", kind: "fault", injectedBy: "dr-test", scenario: "instance-loss", schedule: "0 2 * * 5", cadence: "weekly Fri 02:00 UTC" },
          { name: "sentinel-failover", kind: "dr-test", scenario: "instance-loss", schedule: "0 3 * * 3", cadence: "weekly Wed 03:00 UTC" },
        ],
      },
    ]);
  });

  it("no resources: every class, none scheduled", () => {
    expect(measuredTestsByDataClass([], classes)).toEqual(classes.map((c) => ({ dataClass: c.name, tests: [] })));
  });
});
