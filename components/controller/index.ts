export { FailoverController } from "./failover-controller";
export type { FailoverControllerArgs } from "./failover-controller";
export { drTestSchedule, drTestsEnabledByDefault } from "./schedule";
export type { DrTest } from "./schedule";
export { CONTROLLER_COMPONENT, CONTROLLER_NAME, DR_TESTS_NAME, WEBHOOK_SECRET } from "./render";
export { CONTROLLER_IMAGE } from "./image";
