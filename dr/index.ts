export * from "./targets";
export * from "./settings";
export * from "./budget";
export * as engineFacts from "./engine-facts";
