import { runResource } from "../../harness/policy-run";
import { pgClasses, postgresCr, redisConfigMap, GOOD_REDIS } from "../fixtures";

describe("postgres-wal-archiving", () => {
  it("passes archive_timeout 55s for a 60 s RPO", async () => {
    expect((await runResource("postgres-wal-archiving", postgresCr())).messages).toEqual([]);
  });
  it("flags archive_timeout 1800 against the 1-minute logical-corruption RPO, naming the key to change", async () => {
    const { messages } = await runResource("postgres-wal-archiving", postgresCr({ parameters: { archive_timeout: "1800" } }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/WAL archive: archive_timeout 30m \+ upload 5s > RPO 60s/);
    expect(messages[0]).toMatch(/postgres\.overrides\.archiveTimeoutSeconds to at most 55/);
  });
  it("treats a missing archive_timeout as Spilo's 1800 s default", async () => {
    const cr = postgresCr();
    delete cr.inputs.spec.postgresql.parameters.archive_timeout;
    expect((await runResource("postgres-wal-archiving", cr)).messages.join()).toMatch(/Spilo's default/);
  });
  it("flags archive_mode off", async () => {
    const { messages } = await runResource("postgres-wal-archiving", postgresCr({ parameters: { archive_mode: "off" } }));
    expect(messages.join()).toMatch(/WAL archiving is off/);
  });
  it("an RPO inside the upload time is said to be unreachable, not fixed by a timeout below archive_timeout's 1 s floor", async () => {
    const tight = pgClasses.map((c) => (c.name === "conversation_history" ? { ...c, targets: { ...c.targets, "logical-corruption": { ...c.targets["logical-corruption"], rpoSeconds: 1 } } } : c));
    const { messages } = await runResource("postgres-wal-archiving", postgresCr({ parameters: { archive_timeout: "1s" }, classes: tight }));
    expect(messages).toEqual([expect.stringMatching(/RPO 1s of conversation_history \(logical-corruption\)\. Unreachable: archiving lags at least archive_timeout 1 s \+ upload 5s.*relax conversation_history's logical-corruption RPO to at least 6s/)]);
    expect(messages[0]).not.toMatch(/Fix:/);
  });
  it("honours a configured upload allowance", async () => {
    const { messages } = await runResource("postgres-wal-archiving", postgresCr(), { archiveUploadSeconds: 10 });
    expect(messages.join()).toMatch(/archive_timeout 55s \+ upload 10s > RPO 60s/);
  });
  it("does not apply to other types", async () => {
    expect((await runResource("postgres-wal-archiving", redisConfigMap(GOOD_REDIS))).notApplicable).toBe(true);
  });
});
