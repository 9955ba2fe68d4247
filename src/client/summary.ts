/** Human-readable summaries of scenario runs. */
import { formatTable, type Palette } from '../util/table.js';
import type { ScenarioResult, StepOutcome } from './scenario.js';

const RESULT: Record<StepOutcome, string> = { passed: 'PASS', failed: 'FAIL', error: 'ERROR', skipped: 'SKIP' };
const RESULT_COLUMN = 5;

/** Milliseconds for tables: "12.3 ms". */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/**
 * The summary table (step, certificate, status, time, result, reason) and a closing line, e.g.
 * "3 steps: 2 passed, 1 failed". `palette` colours the header and the result column (the CLI passes
 * terminal colours on a TTY; default plain text).
 */
export function formatScenarioSummary(result: ScenarioResult, palette?: Palette): string {
  const rows = result.steps.map((step) => [
    String(step.number),
    step.name,
    step.certificate,
    step.status === undefined ? '-' : String(step.status),
    formatMs(step.timeMs),
    RESULT[step.outcome],
    step.reason ?? '',
  ]);
  const table = formatTable(['#', 'step', 'certificate', 'status', 'time', 'result', 'reason'], rows, {
    maxCell: 160,
    ...(palette === undefined
      ? {}
      : {
          paint: (text: string, column: number, row: number): string => {
            if (row < 0) return palette.bold(text);
            if (column !== RESULT_COLUMN) return text;
            const outcome = result.steps[row]?.outcome;
            return outcome === 'passed' ? palette.green(text) : outcome === 'skipped' ? palette.yellow(text) : palette.red(text);
          },
        }),
  });
  const { passed, failed, error, skipped } = result.counts;
  const parts = [`${passed} passed`, ...(failed > 0 ? [`${failed} failed`] : []), ...(error > 0 ? [`${error} error${error === 1 ? '' : 's'}`] : []), ...(skipped > 0 ? [`${skipped} skipped`] : [])];
  const title = result.name === undefined ? '' : `scenario: ${result.name}\n`;
  return `${title}${table}\n${result.steps.length} step${result.steps.length === 1 ? '' : 's'}: ${parts.join(', ')} (${formatMs(result.totalMs)})${result.ok ? '' : ` - ${palette === undefined ? 'FAILED' : palette.red('FAILED')}`}\n`;
}
