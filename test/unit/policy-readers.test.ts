import { pgSeconds, redisDirectives } from "../../policies/lib/conf-files";

describe("readers", () => {
  it("pgSeconds reads PostgreSQL time units", () => {
    expect([pgSeconds("55s"), pgSeconds("1min"), pgSeconds("60"), pgSeconds(30), pgSeconds("2h"), pgSeconds("500ms")]).toEqual([55, 60, 60, 30, 7200, 0.5]);
    expect(pgSeconds("soon")).toBeNaN();
  });
  it("redisDirectives keeps every occurrence, last one wins for single-valued", () => {
    const d = redisDirectives('appendonly no\n# c\nappendonly yes\nsave ""\nsave 60 1');
    expect(d.get("appendonly")).toEqual([["no"], ["yes"]]);
    expect(d.get("save")).toEqual([[""], ["60", "1"]]);
  });
});

test("memory quantities as Kubernetes writes them, for the shared_buffers check", async () => {
  const { quantityBytes } = await import("../../dr/targets/quantity");
  expect([quantityBytes("2Gi"), quantityBytes("512Mi"), quantityBytes("1500M"), quantityBytes("1.5Gi"), quantityBytes("lots"), quantityBytes(undefined)]).toEqual([2 * 1024 ** 3, 512 * 1024 ** 2, 1.5e9, 1.5 * 1024 ** 3, undefined, undefined]);
});
