import type { Command } from "commander";

/** Adds the stack a command reads (`--stack`: what for, and its default) and the file it reads it from (`--config-file`). */
export function withStackOptions(cmd: Command, what: string, defaultStack: string): Command {
  return cmd.option("--stack <name>", what, defaultStack).option("--config-file <file>", "stack config file (default Pulumi.<stack>.yaml)");
}
