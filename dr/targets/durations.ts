/**
 * Durations in config are written for people: "90s", "15m", "4h", "0" or "unbounded".
 * "unbounded" declares that a class accepts total loss (RPO) or no recovery (RTO) in a scenario,
 * so the budget shows it instead of hiding it.
 */
export const DURATION_PATTERN = /^(0|unbounded|\d+(\.\d+)?(s|m|h))$/;
export const DURATION_EXPECTATION = 'a duration like "30s", "15m", "4h", "0" or "unbounded"';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };

export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new Error(`invalid duration "${text}": expected ${DURATION_EXPECTATION}`);
  }
  if (text === "0") return 0;
  if (text === "unbounded") return Infinity;
  const unit = text[text.length - 1];
  return Number(text.slice(0, -1)) * UNIT_SECONDS[unit];
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "unbounded";
  if (seconds === 0) return "0";
  if (seconds < 120) return `${round(seconds)}s`;
  if (seconds < 7200) return `${round(seconds / 60)}m`;
  return `${round(seconds / 3600)}h`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
