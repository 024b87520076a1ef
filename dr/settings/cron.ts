import { CronExpressionParser } from "cron-parser";

const gapCache = new Map<string, number>();

/**
 * The longest gap between two runs of a 5-field cron schedule, in seconds: the worst-case age
 * of the newest backup. Looks at up to 9 years (or 3000 runs: enough for every weekly pattern of
 * a frequent schedule) in UTC, so yearly, leap-day and odd schedules count; Infinity for one that
 * runs less than twice in that time. Memoised: the budget asks often.
 */
export function cronMaxGapSeconds(schedule: string): number {
  const cached = gapCache.get(schedule);
  if (cached !== undefined) return cached;
  const gap = computeMaxGap(schedule);
  gapCache.set(schedule, gap);
  return gap;
}

function computeMaxGap(schedule: string): number {
  const start = new Date(Date.UTC(2026, 0, 1));
  const end = new Date(start.getTime() + 9 * 366 * 86400 * 1000);
  const it = CronExpressionParser.parse(schedule, { currentDate: start, endDate: end, tz: "UTC" });
  let prev: number | undefined;
  let maxGap = 0;
  let runs = 0;
  while (it.hasNext() && runs < 3000) {
    const t = it.next().getTime();
    if (prev !== undefined) maxGap = Math.max(maxGap, (t - prev) / 1000);
    prev = t;
    runs++;
  }
  if (runs < 2) return Infinity;
  return maxGap;
}

/** The schedule of a job every `hours` hours (a divisor of 24), at minute `minute`. */
export function everyHoursCron(hours: number, minute = 0): string {
  if (hours >= 24) return `${minute} 1 * * *`;
  if (hours === 1) return `${minute} * * * *`;
  return `${minute} */${hours} * * *`;
}
