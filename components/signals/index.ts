export { Signals, RULES_NAME, RULES_KEY, EXPORTER_QUERIES_NAME, EXPORTER_QUERIES_KEY } from "./signals";
export type { SignalsArgs } from "./signals";
export { signalsByDataClass, unwatchedDataClasses, defaultWiring } from "./render/by-data-class";
export type { ClassSignal, ClassSignals, SignalsWiring } from "./render/by-data-class";
export { signalsFromResources } from "./render/from-resources";
