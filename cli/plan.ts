import { Command } from "commander";
import { ConfigError } from "../dr/targets";
import { plan } from "../offline/plan";
import { renderPlan } from "./render-plan";

const program = new Command()
  .name("plan")
  .description("Run the stack offline under mocks: resources, recovery budget per data class and scenario, policy violations.")
  .requiredOption("--stack <name>", "stack name (staging, prod)", "staging")
  .option("--config-file <file>", "stack config file (default Pulumi.<stack>.yaml)")
  .option("--json", "print JSON instead of tables")
  .parse();

const opts = program.opts<{ stack: string; configFile?: string; json?: boolean }>();

async function main(): Promise<number> {
  try {
    const result = await plan(opts.stack, opts.configFile);
    process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + "\n" : renderPlan(result));
    return result.violations.some((v) => v.level === "mandatory") ? 1 : 0;
  } catch (e) {
    const err = e as Error;
    const configError = err instanceof ConfigError || err.name === "ConfigError" || /invalid stack configuration/.test(err.message);
    process.stderr.write(`${configError ? "" : "plan failed: "}${err.message}\n`);
    return configError ? 2 : 3;
  }
}

// Exit only once stdout has drained: a large --json piped into another program must arrive whole.
main().then((code) => process.stdout.write("", () => process.exit(code)));
