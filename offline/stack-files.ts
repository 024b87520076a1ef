import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Stack config as the Pulumi CLI hands it to a program: flat "ns:key" -> string, plus which keys are secret. */
export interface StackConfigFile {
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * Read a Pulumi.<stack>.yaml. Structured values become JSON strings as the CLI passes them.
 * Encrypted values (`secure:`) cannot be decrypted offline: they become a marker string, and
 * their top-level key is listed as secret, as the CLI would.
 */
export function readStackFile(file: string): StackConfigFile {
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries<any>(doc.config ?? {})) {
    let secret = false;
    const replaced = replaceSecure(value, () => (secret = true));
    config[key] = typeof replaced === "string" ? replaced : JSON.stringify(replaced);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
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
