export * from "./types";
export * from "./errors";
export * from "./journal";
export * from "./run";
export * from "./validate";
