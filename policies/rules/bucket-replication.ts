import { stackPolicy } from "../lib/define";
import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { S3_REPLICATION } from "../../dr/engine-facts";
import { configWithDefaults } from "../lib/config";
import { fromPolicyResources, StackResource } from "../lib/policy-resources";
import { dur } from "../lib/report";
import { awsRegion, TYPES } from "../lib/resources";
import { declaredClasses, tightestTarget } from "../lib/targets";
import { known } from "../lib/unknown";
import { bucketLabel, sideCars } from "./bucket-protection";

interface Config {
  rtcRequiredBelowSeconds: number;
}

const configSchema: PolicyConfigSchema = {
  properties: {
    rtcRequiredBelowSeconds: {
      type: "number",
      exclusiveMinimum: 0,
      default: S3_REPLICATION.withoutRtcSeconds,
      description: "Replication Time Control is required when a PostgreSQL class's region-loss RPO is below this (S3 replicates most objects in minutes but some take up to 48 h without RTC).",
    },
  },
};

/** A bucket's ARN; a new bucket's `arn` output is unknown in a preview, but the name it is built from is not. */
const arnOf = (b: StackResource) => known(() => b.inputs.arn as string | undefined) ?? `arn:aws:s3:::${bucketLabel(b)}`;
/** A rule's destination ARN, undefined while the engine does not know it yet (preview of a new bucket). */
const destinationOf = (rule: any): string | undefined => known(() => rule?.destination?.bucket);

/**
 * When any class must survive region loss (a finite region-loss RPO), every bucket that is not
 * itself a replica replicates to a bucket of this stack in another region; when a PostgreSQL class's
 * region-loss RPO is tighter than replication without RTC can promise, the rules use RTC.
 */
export function checkBucketReplication(resources: StackResource[], config: Config, report: (m: string, urn?: string) => void): void {
  const classes = declaredClasses(resources).map((d) => d.dataClass);
  const regionRpo = tightestTarget(classes, ["region-loss"], "rpoSeconds");
  if (!Number.isFinite(regionRpo.seconds)) return;
  const pgRegionRpo = tightestTarget(classes.filter((c) => c.store === "postgres"), ["region-loss"], "rpoSeconds");
  const buckets = resources.filter((r) => r.type === TYPES.bucket);
  const replications = resources.filter((r) => r.type === TYPES.bucketReplication);
  const destinations = new Set(replications.flatMap((rc) => ((rc.inputs.rules ?? []) as any[]).map(destinationOf)));
  for (const b of buckets) {
    if (destinations.has(arnOf(b))) continue;
    const rules = sideCars(resources, TYPES.bucketReplication, b).flatMap((rc) => (rc.inputs.rules ?? []) as any[]).filter((rule) => rule?.status === "Enabled");
    const why = `${regionRpo.dataClass} must survive region loss (RPO ${dur(regionRpo.seconds)})`;
    if (rules.length === 0) {
      // In a preview of new buckets a destination may still be unknown: this bucket could be it.
      if (destinations.has(undefined)) continue;
      report(
        buckets.length < 2
          ? `S3 cross-region replication: backup bucket ${bucketLabel(b)} is not replicated to another region, yet ${why}, and the stack has no DR-region bucket to replicate to. Fix: set agent-dr:regions.dr (the stack then creates the DR bucket and replicates to it), or declare ${regionRpo.dataClass}'s region-loss RPO unbounded.`
          : `S3 cross-region replication: backup bucket ${bucketLabel(b)} is not replicated to another region, yet ${why}. Fix: remove backup.overrides.crossRegionReplication: false (a BucketReplicationConfig to the DR bucket).`,
        b.urn,
      );
      continue;
    }
    for (const rule of rules) {
      const destArn = destinationOf(rule);
      const dest = buckets.find((d) => arnOf(d) === destArn);
      if (destArn === undefined) {
        // Unknown until the destination bucket exists: its region is checked at `pulumi up`.
      } else if (!dest) {
        report(`S3 cross-region replication: bucket ${bucketLabel(b)} replicates to ${destArn}, which this stack does not manage, so its region cannot be confirmed. Fix: replicate to the stack's DR-region bucket.`, b.urn);
      } else if (awsRegion(dest) === undefined || awsRegion(dest) === awsRegion(b)) {
        report(`S3 cross-region replication: bucket ${bucketLabel(b)} replicates to ${bucketLabel(dest)} in the same region (${awsRegion(b) ?? "unknown"}); a region loss takes both. Fix: a destination bucket in the DR region.`, b.urn);
      }
      if (pgRegionRpo.seconds < config.rtcRequiredBelowSeconds && rule.destination?.replicationTime?.status !== "Enabled") {
        report(
          `S3 Replication Time Control is off on ${bucketLabel(b)}: without RTC some objects take up to ${dur(S3_REPLICATION.withoutRtcSeconds)} to replicate, and ${pgRegionRpo.dataClass}'s region-loss RPO ${dur(pgRegionRpo.seconds)} leans on the replicated WAL archive (directly or as the standby's fallback). Fix: remove backup.overrides.replicationTimeControl: false.`,
          b.urn,
        );
      }
    }
  }
}

export const bucketReplication = stackPolicy<Config>({
  name: "bucket-replication",
  description: "Backup buckets replicate to another region (with Replication Time Control where an RPO needs it) whenever a data class must survive region loss.",
  severity: "critical",
  configSchema,
  skip: (rs) => (!rs.some((r) => r.type === TYPES.bucket) ? "no S3 bucket in the stack" : undefined),
  check: (rs, report, config) => checkBucketReplication(rs, config, report),
});
