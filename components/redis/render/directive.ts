/**
 * One line of a redis.conf / sentinel.conf. Redis splits lines on spaces and honours double
 * quotes (sdssplitargs), so a value with a space, quote or control character is quoted and escaped.
 */
export function directive(name: string, ...args: Array<string | number>): string {
  return [name, ...args.map(arg)].join(" ");
}

function arg(v: string | number): string {
  const s = String(v);
  if (s === "") return '""';
  if (/^[A-Za-z0-9._:@/*+,=-]+$/.test(s)) return s;
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}
