/** How the budget writes sizes, rates and seconds into its mechanisms. */

export function fmtBytes(b: number): string {
  if (b >= 1024 ** 3) return `${round(b / 1024 ** 3)} GiB`;
  if (b >= 1024 ** 2) return `${round(b / 1024 ** 2)} MiB`;
  return `${round(b / 1024)} KiB`;
}

export function fmtRate(b: number): string {
  return `${fmtBytes(b)}/s`;
}

export function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
