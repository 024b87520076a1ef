// Prints the run's totals as one plain line ("N passed, N failed, N skipped") after jest's own
// summary, so CI logs state the count in a runner-neutral form.
class SummaryLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  }
}
module.exports = SummaryLineReporter;
