import * as pulumi from "@pulumi/pulumi";
import { installCapturingMocks } from "../../offline/capture";
import { rawConfigOf } from "../../offline/plan";
import { readStackFile, stackFilePath } from "../../offline/stack-files";
import { parseStackConfig } from "../../dr/targets";
import { deriveSettings } from "../../dr/settings";

/**
 * Ordering the engine enforces through dependsOn, read from the registration requests (the mock's
 * newResource does not see dependencies): S3 refuses a replication configuration while versioning is
 * off at either end, and a bucket policy while the public access block is being applied.
 */
test("replication waits for both versionings and the role policy; the bucket policy for the public access block", async () => {
  const config = parseStackConfig(rawConfigOf(readStackFile(stackFilePath("prod"))), "prod");
  pulumi.runtime.setAllConfig({});
  await installCapturingMocks(pulumi.runtime, "agent-dr", "prod");
  const deps = new Map<string, string[]>();
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    deps.set(req.getName(), req.getDependenciesList());
    return register(req, callback);
  };
  const { BackupBuckets } = require("../../components/backup");
  const backup = new BackupBuckets("bb", { config, settings: deriveSettings(config) });
  await new Promise((resolve) => backup.replicationRoleArn.apply(resolve));
  const settings = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();

  const urnsOf = (name: string) => (deps.get(name) ?? []).map((u) => u.split("::").pop());
  expect(urnsOf("bb-replication")).toEqual(expect.arrayContaining(["bb-primary-versioning", "bb-dr-versioning", "bb-replication-policy"]));
  expect(urnsOf("bb-primary-policy")).toContain("bb-primary-public-access");
  expect(urnsOf("bb-dr-policy")).toContain("bb-dr-public-access");
  expect(urnsOf("bb-primary-object-lock")).toContain("bb-primary-versioning");
});
