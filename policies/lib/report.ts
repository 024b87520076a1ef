import { formatDuration } from "../../dr/targets";

/** Durations in messages as people read them: "55s", "15m", "unbounded". */
export const dur = (seconds: number) => formatDuration(seconds);
