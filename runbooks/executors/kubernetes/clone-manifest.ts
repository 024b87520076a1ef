import { IRSA_TOKEN_FILE, nestedWalArchiveUrl, walArchiveUrl } from "../../../contract/postgres";
import type { CloneSpec } from "../types";

/**
 * The operator's clone timestamp pattern wants a numeric offset (RFC 3339 with +hh:mm; "Z" is
 * refused by the CRD), so normalise Z and +hhmm.
 */
export function operatorTimestamp(iso: string): string {
  const t = iso.replace(" ", "T");
  if (/[Zz]$/.test(t)) return t.slice(0, -1) + "+00:00";
  return t.replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

/** Where the source archives and how to read it: from the source resource and its ServiceAccount's IRSA role. */
export interface CloneArchive {
  bucket: string;
  region: string;
  /** IAM role of the source's WAL-G ServiceAccount (eks.amazonaws.com/role-arn); the clone runs under it. */
  roleArn: string;
}

type EnvVar = { name: string; value?: string };

/** The archive a source cluster writes, read from its WAL-G environment (components/postgres/render/env.ts). */
export function archiveOfSource(source: { spec: Record<string, any> }, roleArn: string): CloneArchive {
  const env: EnvVar[] = source.spec.env ?? [];
  const get = (n: string) => env.find((e) => e.name === n)?.value;
  const bucket = get("WAL_S3_BUCKET");
  const region = get("AWS_REGION");
  if (!bucket || !region) throw new Error("source postgresql has no WAL_S3_BUCKET / AWS_REGION in spec.env: it does not archive to S3, so it cannot be cloned to a point in time");
  return { bucket, region, roleArn };
}

/**
 * A postgresql resource that restores `spec.source` as of `spec.targetTime` under a new name:
 * same team, version, volume and resources as the source, one instance (a restore copy for
 * inspection, not a second production cluster). The archive path is given in full: ours has no
 * UID suffix, and the operator has no global WAL bucket to derive it from. The clone reads with
 * CLONE_ credentials (the operator passes no IRSA settings to clones) and archives its own
 * timeline inside the source's prefix, the only prefix the role may write.
 */
export function renderCloneManifest(
  source: { metadata: { name: string; namespace?: string }; spec: Record<string, any> },
  spec: CloneSpec,
  archive: CloneArchive,
): Record<string, any> {
  const s = source.spec;
  const version = String(s.postgresql?.version ?? "");
  const session = `${spec.name}-walg`;
  const inherited: EnvVar[] = (s.env ?? []).filter(
    (e: EnvVar) => !/^(CLONE_|STANDBY_)/.test(e.name) && !["WALE_S3_PREFIX", "WALG_S3_PREFIX", "AWS_ROLE_SESSION_NAME"].includes(e.name),
  );
  const ownArchive = nestedWalArchiveUrl(archive.bucket, spec.source, spec.name, version);
  const env: EnvVar[] = [
    ...inherited,
    { name: "WALE_S3_PREFIX", value: ownArchive },
    { name: "WALG_S3_PREFIX", value: ownArchive },
    { name: "AWS_ROLE_SESSION_NAME", value: session },
    { name: "CLONE_USE_WALG_RESTORE", value: "true" },
    { name: "CLONE_AWS_REGION", value: archive.region },
    { name: "CLONE_AWS_ROLE_ARN", value: archive.roleArn },
    { name: "CLONE_AWS_WEB_IDENTITY_TOKEN_FILE", value: IRSA_TOKEN_FILE },
    { name: "CLONE_AWS_ROLE_SESSION_NAME", value: `${session}-clone` },
  ];
  return {
    apiVersion: "acid.zalan.do/v1",
    kind: "postgresql",
    metadata: {
      name: spec.name,
      ...(source.metadata.namespace ? { namespace: source.metadata.namespace } : {}),
      labels: { "app.kubernetes.io/part-of": "agent-dr", "app.kubernetes.io/component": "pitr-clone", "agent-dr/clone-of": spec.source, "agent-dr/postgres-role": "clone" },
      annotations: { "agent-dr/clone-target-time": spec.targetTime },
    },
    spec: {
      teamId: s.teamId,
      numberOfInstances: 1,
      postgresql: s.postgresql,
      volume: s.volume,
      ...(s.resources ? { resources: s.resources } : {}),
      ...(s.users ? { users: s.users } : {}),
      env,
      clone: {
        cluster: spec.source,
        timestamp: operatorTimestamp(spec.targetTime),
        s3_wal_path: walArchiveUrl(archive.bucket, spec.source, version),
      },
    },
  };
}
