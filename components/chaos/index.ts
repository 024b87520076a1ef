export { FaultSchedules, CHAOS_MESH_REPO } from "./fault-schedules";
export type { FaultSchedulesArgs } from "./fault-schedules";
export { faultSchedule, FAULT_CADENCE, FAULT_INJECTORS } from "./schedule";
export type { DeployedTiers } from "./schedule";
export { renderFaultSchedules, faultChaos, faultScheduleName, chaosMeshValues, providerHost, CHAOS_API_VERSION, FAULT_LABEL } from "./render";
export type { FaultTargets } from "./render";
export { stackFaultSchedule, stackFaultTargets } from "./stack-faults";
export { measuredTestsByDataClass, describeCadence } from "./measured-tests";
export type { MeasuredTest, ClassMeasuredTests } from "./measured-tests";
