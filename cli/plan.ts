import { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { ConfigError, configErrorReport } from "../dr/targets";
import { plan } from "../offline/plan";
import { PROJECT_ROOT, stackFilePath } from "../offline/stack-files";
import { renderPlan } from "./render-plan";
import { withStackOptions } from "./stack-options";

const program = withStackOptions(
  new Command().name("plan").description("Run the stack offline under mocks: resources, recovery budget per data class and scenario, policy violations."),
  "stack name (staging, prod)",
  "staging",
)
  .option("--json", "print JSON instead of tables")
  .parse();

const opts = program.opts<{ stack: string; configFile?: string; json?: boolean }>();

/** Stacks this project has a config file for. */
function knownStacks(): string[] {
  return fs
    .readdirSync(PROJECT_ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

async function main(): Promise<number> {
  try {
    const configFile = opts.configFile ?? stackFilePath(opts.stack);
    // Without --config-file the stack name picks the file: a stack without one is an unknown stack.
    if (!opts.configFile && !fs.existsSync(configFile)) {
      throw new ConfigError(
        [{ key: "--stack", value: opts.stack, expected: `expected one of the project's stacks: ${knownStacks().join(", ")} (there is no ${path.basename(configFile)}), or pass --config-file` }],
        path.relative(process.cwd(), configFile) || configFile,
      );
    }
    // A project stack's file planned as another stack would be judged by that stack's policy config and environment.
    const fileStack = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(configFile))?.[1];
    if (opts.configFile && fileStack !== undefined && fileStack !== opts.stack && knownStacks().includes(fileStack)) {
      throw new ConfigError(
        [{ key: "--stack", value: opts.stack, expected: `expected "${fileStack}", the stack ${path.basename(configFile)} belongs to: planned as "${opts.stack}", it would be judged by ${opts.stack}'s policy config (copy the file under another name to try it as ${opts.stack})` }],
        path.relative(process.cwd(), configFile) || configFile,
      );
    }
    const result = await plan(opts.stack, configFile);
    process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + "\n" : renderPlan(result));
    return result.violations.some((v) => v.level === "mandatory") ? 1 : 0;
  } catch (e) {
    const err = e as Error;
    // A ConfigError thrown inside the program reaches here as the Pulumi runtime's RunError: same text, other class.
    const configError = err instanceof ConfigError || err.name === "ConfigError" || /invalid stack configuration/.test(err.message);
    if (configError && opts.json) process.stdout.write(JSON.stringify(configErrorReport(err), null, 2) + "\n");
    else process.stderr.write(`${configError ? "" : "plan failed: "}${err.message}\n`);
    return configError ? 2 : 3;
  }
}

// Exit only once stdout has drained: a large --json piped into another program must arrive whole.
main().then((code) => process.stdout.write("", () => process.exit(code)));
