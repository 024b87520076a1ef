/** A WAL segment file name: timeline, log and segment number, 8 hex digits each. */
const SEGMENT = /^[0-9A-F]{24}$/;

export function isSegment(name: string | null | undefined): name is string {
  return typeof name === "string" && SEGMENT.test(name);
}

/** The next segment name (16 MiB segments: 256 per log file). */
export function nextSegment(name: string): string {
  if (!isSegment(name)) throw new Error(`not a WAL segment name: ${name}`);
  const tli = name.slice(0, 8);
  let log = parseInt(name.slice(8, 16), 16);
  let seg = parseInt(name.slice(16, 24), 16) + 1;
  if (seg > 0xff) {
    seg = 0;
    log += 1;
  }
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `${tli}${hex(log)}${hex(seg)}`;
}

/** Every segment from first to last inclusive, on first's timeline. */
export function segmentRange(first: string, last: string): string[] {
  if (!isSegment(first) || !isSegment(last)) throw new Error(`not WAL segment names: ${first}, ${last}`);
  if (first.slice(0, 8) !== last.slice(0, 8)) throw new Error(`segments on different timelines: ${first}, ${last}`);
  const out = [first];
  while (out[out.length - 1] < last) {
    out.push(nextSegment(out[out.length - 1]));
    if (out.length > 100000) throw new Error("segment range too long");
  }
  return out;
}

/** Archived in order: `name` is archived once the archiver's last segment on that timeline is at or past it. */
export function archivedPast(lastArchived: string | null | undefined, name: string): boolean {
  return isSegment(lastArchived) && lastArchived.slice(0, 8) === name.slice(0, 8) && lastArchived >= name;
}
