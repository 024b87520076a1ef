import type { ProbeClassConfig, ProbeConfig, ProbeMeasurement } from "../contract/probe";
import type { WriteAttempt, Writer } from "./attempt";
import { attributeOutage } from "./attribution";
import { lossReport } from "./loss";
import { detectOutages, outageSeconds, type Outage } from "./outage";

export interface ClassProbeOptions {
  cls: ProbeClassConfig;
  faults: ProbeConfig["faults"];
  writer: Writer;
  /** Which of these acknowledged writes the store holds now (read through the same path clients use). */
  present: (acked: WriteAttempt[]) => Promise<Set<number>>;
  /** Wait this long after a recovery before reading back (the new primary's replication settles). */
  settleMs: number;
  /** Acknowledged writes this long before an outage are read back too (older ones are not checked; Redis canaries expire). */
  lookbackMs: number;
}

/**
 * The probe for one data class: watches its writer's attempts, and for each outage that has
 * ended (and settled) reads back the acknowledged writes and produces one ProbeMeasurement.
 * Knows nothing of a fault's time: the outage is what the writes show.
 */
export class ClassProbe {
  readonly measurements: ProbeMeasurement[] = [];
  /** Outages already measured, by the id of their first failed write. */
  private readonly measured = new Set<number>();

  constructor(readonly opts: ClassProbeOptions) {}

  /** Outages seen so far (closed or open). */
  outages(): Outage[] {
    return detectOutages(this.opts.writer.attempts);
  }

  /**
   * Measure every closed outage not measured yet whose recovery is at least settleMs before
   * `nowMs` (wall clock); `force` skips the settle wait (the caller already waited).
   */
  async check(nowMs = Date.now(), force = false): Promise<ProbeMeasurement[]> {
    const { writer } = this.opts;
    const done: ProbeMeasurement[] = [];
    for (const o of this.outages()) {
      if (o.recoveredMs === undefined || this.measured.has(o.firstFailedId)) continue;
      if (!force && writer.epoch + o.recoveredMs + this.opts.settleMs > nowMs) continue;
      const m = await this.measure(o);
      this.measured.add(o.firstFailedId);
      this.measurements.push(m);
      done.push(m);
    }
    return done;
  }

  /** Drop attempts no later outage can need (older than the lookback, with no unmeasured outage among them). */
  prune(nowMs = Date.now()): void {
    const attempts = this.opts.writer.attempts;
    const horizon = nowMs - this.opts.writer.epoch - 2 * this.opts.lookbackMs;
    const pending = this.outages().filter((o) => !this.measured.has(o.firstFailedId));
    const keepFrom = Math.min(horizon, ...pending.map((o) => o.startMs - this.opts.lookbackMs));
    let n = 0;
    while (n < attempts.length && attempts[n].endMs < keepFrom) n++;
    // Never keep the tail of a (measured) run of failures: it would read as a new outage.
    while (n > 0 && n < attempts.length && !attempts[n].ok) n++;
    // The writer pushes to this very array; removing from the front keeps its later pushes.
    if (n > 0) attempts.splice(0, n);
  }

  private async measure(o: Outage): Promise<ProbeMeasurement> {
    const { cls, writer } = this.opts;
    const window = writer.attempts.filter((a) => a.endMs >= o.startMs - this.opts.lookbackMs);
    const present = await this.opts.present(window.filter((a) => a.ok));
    const loss = lossReport(window, present, o.startMs);
    const startedAt = new Date(writer.epoch + o.startMs);
    const who = attributeOutage(startedAt, cls.store, this.opts.faults);
    const expected = cls.scenarios[who.scenario];
    return {
      class: cls.class,
      store: cls.store,
      scenario: who.scenario,
      ...(who.fault ? { fault: who.fault } : {}),
      outageStartedAt: startedAt.toISOString(),
      recoveredAt: new Date(writer.epoch + (o.recoveredMs as number)).toISOString(),
      measuredRtoSeconds: outageSeconds(o) as number,
      measuredRpoSeconds: loss.rpoSeconds,
      lostAcknowledgedWrites: loss.lost.length,
      acknowledgedWrites: loss.acknowledged,
      targetRtoSeconds: expected?.targetRtoSeconds ?? null,
      targetRpoSeconds: expected?.targetRpoSeconds ?? null,
      predictedRtoSeconds: expected?.predictedRtoSeconds ?? null,
      predictedRpoSeconds: expected?.predictedRpoSeconds ?? null,
    };
  }
}
