/** An attempt that ran past its step's timeoutSeconds. */
export class StepTimeoutError extends Error {
  constructor(readonly step: string, readonly timeoutSeconds: number) {
    super(`step ${step} timed out after ${timeoutSeconds}s`);
    this.name = "StepTimeoutError";
  }
}

/** A runbook definition that can not run (unknown action, bad timeout...). */
export class RunbookDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid runbook:\n  - ${problems.join("\n  - ")}`);
    this.name = "RunbookDefinitionError";
  }
}
