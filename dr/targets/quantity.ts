/** A Kubernetes memory quantity ("2Gi", "1500M", "512Mi") in bytes; undefined when absent or unreadable. */
export function quantityBytes(q: unknown): number | undefined {
  const m = typeof q === "string" ? /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q.trim()) : null;
  if (!m) return typeof q === "number" ? q : undefined;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as "Ki"] ?? 1;
  return Number(m[1]) * unit;
}
