import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, ConfigProblem } from "../dr/targets/errors";
import { regionProblem } from "../dr/targets/aws";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Stack config as the Pulumi CLI hands it to a program: flat "ns:key" -> string, plus which keys are secret. */
export interface StackConfigFile {
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * Read a Pulumi.<stack>.yaml. Structured values become JSON strings as the CLI passes them.
 * Encrypted values (`secure:`) cannot be decrypted offline: they become a marker string, and
 * their top-level key is listed as secret, as the CLI would. A file that cannot be read, is not
 * YAML or not shaped like a stack file throws a ConfigError naming the file, like any bad key.
 */
export function readStackFile(file: string): StackConfigFile {
  const doc = parseStackYaml(file);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries<any>(doc.config ?? {})) {
    let secret = false;
    const replaced = replaceSecure(value, () => (secret = true));
    config[key] = typeof replaced === "string" ? replaced : JSON.stringify(replaced);
    if (secret) secretKeys.push(key);
  }
  // The AWS provider's default region (IAM and Route53 are declared through it) is a region key too.
  const awsRegion = doc.config?.["aws:region"];
  if (awsRegion !== undefined) {
    const expected = typeof awsRegion === "string" ? regionProblem(awsRegion, "AWS provider's default region") : "expected an AWS region name (a string)";
    if (expected) throw new ConfigError([{ key: "aws:region", value: awsRegion, expected }], file);
  }
  return { config, secretKeys };
}

/** The YAML document of a stack file, or a ConfigError naming the file (and the line, for a syntax error). */
function parseStackYaml(file: string): { config?: Record<string, unknown> } {
  const fail = (problem: ConfigProblem): never => {
    throw new ConfigError([problem], file);
  };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "there is no such file" : err.code === "EISDIR" ? "it is a directory" : err.message;
    return fail({ key: file, value: undefined, expected: `expected a readable Pulumi stack config file (${why})` });
  }
  // Not UTF-8 text (a binary file, a UTF-16 export): the YAML parser would read it as some scalar.
  if (text.includes("\u0000") || text.includes("\uFFFD")) return fail({ key: file, value: undefined, expected: "expected a UTF-8 text YAML file (this one holds bytes that are not UTF-8 text)" });
  const doc = YAML.parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const line = pos ? text.split(/\r?\n/)[pos.line - 1] : undefined;
    return fail({
      key: pos ? `${file}:${pos.line}:${pos.col}` : file,
      value: line?.trim(),
      expected: `expected valid YAML (${error.code}: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")})${doc.errors.length > 1 ? ` and ${doc.errors.length - 1} more YAML error(s)` : ""}`,
    });
  }
  const root = doc.toJS() ?? {};
  if (typeof root !== "object" || Array.isArray(root)) {
    return fail({ key: file, value: root, expected: "expected a YAML mapping with a config: section (a Pulumi stack file)" });
  }
  const config = (root as Record<string, unknown>).config;
  if (config === undefined || config === null) {
    return fail({ key: file, value: undefined, expected: "expected a Pulumi stack file with a config: section (this file has none, so every setting would be missing)" });
  }
  if (typeof config !== "object" || Array.isArray(config)) {
    return fail({ key: "config", value: config, expected: 'expected a mapping of "<namespace>:<key>" to values' });
  }
  return root as { config?: Record<string, unknown> };
}

function replaceSecure(value: any, found: () => void): any {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if (Object.keys(value).length === 1 && typeof value.secure === "string") {
      found();
      return "[encrypted: decrypted by the Pulumi CLI]";
    }
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) out[k] = replaceSecure(v, found);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => replaceSecure(v, found));
  return value;
}

export function stackFilePath(stack: string): string {
  return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}
