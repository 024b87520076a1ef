import { agentDrStack } from "./program";

// Pulumi runs an exported function and takes what it returns as the stack's outputs.
export = agentDrStack;
