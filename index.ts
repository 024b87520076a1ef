import { deriveSettings } from "./dr/settings";
import { AgentPlatform } from "./components/platform";
import { loadStackConfig } from "./components/stack-config";

// Config is validated before any resource is declared: a bad key stops the program here.
const config = loadStackConfig();
const settings = deriveSettings(config);
const platform = new AgentPlatform("agent-dr", { config, settings });

export const environment = config.environment;
export const regions = config.regions;
export const primaryNamespace = platform.primary.namespace;
export const drNamespace = platform.dr?.namespace;
/** The timing settings in force, so a reviewer sees what the targets turned into. */
export const derivedSettings = settings;
