// Ends the run with the plain line CI reads: "N passed, N failed" (", N skipped" follows
// when there are any, so that a skip is never silent). A suite that could not run at all
// counts as a failure. Before it, each failed file with its count and the first lines of its
// first failure, so that the end of a CI log (often all that is kept) says what failed.
const { relative } = require('node:path');

const stripColour = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');

function firstLines(suite) {
  const failure = suite.testResults.find((test) => test.status === 'failed');
  const message = failure?.failureMessages?.[0] ?? suite.failureMessage ?? '';
  return stripColour(message)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, 3)
    .map((line) => `    ${line.slice(0, 300)}`);
}

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failedSuites = results.testResults.filter(
      (suite) => suite.numFailingTests > 0 || suite.testExecError,
    );
    if (failedSuites.length > 0) {
      const lines = ['', `failed in ${failedSuites.length} file(s):`];
      for (const suite of failedSuites.slice(0, 30)) {
        const count = suite.testExecError ? 'could not run' : `${suite.numFailingTests} failed`;
        lines.push(
          `  ${relative(this.rootDir, suite.testFilePath)}: ${count}`,
          ...firstLines(suite),
        );
      }
      if (failedSuites.length > 30) lines.push(`  … and ${failedSuites.length - 30} more`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
module.exports = SummaryReporter;
