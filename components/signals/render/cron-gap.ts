import { cronMaxGapSeconds } from "../../../dr/settings";

const gaps = new Map<string, number>();

/** cronMaxGapSeconds walks a year of runs (about 2 s for an hourly schedule); the answer per schedule never changes. */
export function scheduleGapSeconds(schedule: string): number {
  let gap = gaps.get(schedule);
  if (gap === undefined) {
    gap = cronMaxGapSeconds(schedule);
    gaps.set(schedule, gap);
  }
  return gap;
}
