export { RecoveryProbe, type RecoveryProbeArgs } from "./recovery-probe";
export { probeConfig } from "./probe-config";
