import * as vega from "vega";
import * as vl from "vega-lite";
import type { Timeline } from "../types";

const BIN_SECONDS = 0.5;

/** Acknowledged and failed writes per half second, per load, as rows for the chart. */
export function binWrites(t: Timeline): Array<{ t: number; series: string; n: number }> {
  const counts = new Map<string, { t: number; series: string; n: number }>();
  for (const [load, attempts] of Object.entries(t.writes)) {
    for (const a of attempts) {
      const bin = Math.floor(a.endMs / 1000 / BIN_SECONDS) * BIN_SECONDS;
      const series = `${load}: ${a.ok ? "acknowledged" : "failed"}`;
      const key = `${bin}|${series}`;
      const row = counts.get(key) ?? { t: bin, series, n: 0 };
      row.n += 1;
      counts.set(key, row);
    }
  }
  return [...counts.values()].sort((a, b) => a.t - b.t);
}

/**
 * The timeline of one scenario as SVG (vega-lite compiled, rendered headless by vega): writes
 * acknowledged and failed per half second, with the fault and the recovery marked.
 */
export async function timelineSvg(title: string, t: Timeline): Promise<string> {
  // Labels on staggered rows (pixels from the top) so neighbouring events stay readable.
  const events = t.events.map((e, i) => ({ t: e.atMs / 1000, label: e.label, y: 10 + (i % 4) * 12 }));
  const spec: vl.TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 760,
    height: 220,
    background: "white",
    layer: [
      {
        data: { values: binWrites(t) },
        mark: { type: "bar", width: { band: 1 } },
        encoding: {
          x: { field: "t", type: "quantitative", title: "seconds since load start", scale: { nice: false } },
          y: { field: "n", type: "quantitative", stack: "zero", title: `writes per ${BIN_SECONDS} s` },
          color: { field: "series", type: "nominal", title: null, legend: { orient: "bottom", columns: 2, labelLimit: 360 } },
        },
      },
      {
        data: { values: events },
        mark: { type: "rule", color: "#d62728", strokeDash: [4, 3] },
        encoding: { x: { field: "t", type: "quantitative" } },
      },
      {
        data: { values: events },
        mark: { type: "text", align: "left", dx: 3, fontSize: 10, color: "#d62728" },
        encoding: {
          x: { field: "t", type: "quantitative" },
          y: { field: "y", type: "quantitative", scale: null },
          text: { field: "label" },
        },
      },
    ],
  };
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
