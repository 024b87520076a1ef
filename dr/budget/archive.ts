import { POSTGRES } from "../engine-facts";
import { cronMaxGapSeconds } from "../settings/cron";
import type { PostgresSettings } from "../settings/types";
import { fmtBytes, round } from "./format";
import type { Bound } from "./types";

/*
 * What the WAL archive and the base backups bound: the loss when only the archive survives, and
 * the time to restore from it. Apart from postgres.ts because the credential-compromise bound
 * (compromise.ts) needs them too, and postgres.ts needs that bound in turn.
 */

/**
 * Worst-case age of the newest archived WAL: the open segment waits up to archive_timeout, then
 * uploads. archive_timeout 0 switches the timer off: a segment is archived only once 16 MB of WAL
 * fill it, so a quiet database can leave its last writes unarchived indefinitely. The pack's
 * postgres-wal-archiving policy judges with this same function.
 */
export function archiveLossSeconds(archiveTimeoutSeconds: number, uploadSeconds: number = POSTGRES.archiveUploadSeconds): number {
  return archiveTimeoutSeconds > 0 ? archiveTimeoutSeconds + uploadSeconds : Infinity;
}

/** Worst-case loss from the WAL archive alone. */
export function archiveRpo(pg: PostgresSettings): Bound {
  if (!pg.archiveMode) return { seconds: Infinity, mechanism: "WAL archiving is off", fix: "turn archive_mode on" };
  const seconds = archiveLossSeconds(pg.archiveTimeoutSeconds);
  if (!Number.isFinite(seconds)) {
    return {
      seconds,
      mechanism: "WAL archive: archive_timeout 0 never forces a segment switch, so a quiet database archives nothing until 16 MB of WAL fill the segment",
      fix: "remove postgres.overrides.archiveTimeoutSeconds (it is derived from the RPO) or set it above 0",
    };
  }
  return {
    seconds,
    mechanism: `WAL archive: archive_timeout ${pg.archiveTimeoutSeconds} s + upload ${POSTGRES.archiveUploadSeconds} s`,
    fix: "lower postgres.overrides.archiveTimeoutSeconds (or remove the override to derive it from the RPO)",
  };
}

export function restoreSeconds(pg: PostgresSettings): Bound {
  const base = pg.dataSizeBytes / POSTGRES.restoreBytesPerSecond;
  const gap = cronMaxGapSeconds(pg.baseBackupSchedule);
  const replay = (gap * pg.writeRateBytesPerSecond) / POSTGRES.replayBytesPerSecond;
  if (!Number.isFinite(gap)) {
    return {
      seconds: Infinity,
      mechanism: `clone from base backup + WAL: the base-backup schedule "${pg.baseBackupSchedule}" runs less than twice in 9 years, so a clone replays WAL without bound`,
      fix: "take base backups at least daily (postgres.overrides.baseBackupSchedule, or remove it: it is derived from the logical-corruption RTO)",
    };
  }
  return {
    seconds: POSTGRES.cloneBootstrapSeconds + base + replay,
    mechanism: `clone from base backup + WAL (${POSTGRES.cloneBootstrapSeconds} s bootstrap + ${round(base)} s restore of ${fmtBytes(pg.dataSizeBytes)} + ${round(replay)} s replay of up to ${round(gap / 3600)} h of WAL)`,
    fix: "take base backups more often (postgres.overrides.baseBackupSchedule)",
  };
}
