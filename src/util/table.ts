/** Plain-text tables for CLI output (summary tables of the client, demo and expiry commands). */

/** Cells longer than this are cut with an ellipsis so one long reason cannot wreck the layout. */
const DEFAULT_MAX_CELL = 120;

/**
 * Decorates one non-empty cell (padding is added outside, so colour codes never disturb the
 * alignment): `row` is -1 for the header, else the body row index.
 */
export type CellPaint = (text: string, column: number, row: number) => string;

/**
 * Text decorators for tables and summaries; the CLI supplies terminal colours (src/cli/style.ts)
 * when its output is a TTY, lower layers only call them.
 */
export interface Palette {
  /** Headers, emphasis. */
  readonly bold: (text: string) => string;
  /** Labels, secondary text. */
  readonly dim: (text: string) => string;
  /** Failures. */
  readonly red: (text: string) => string;
  /** Successes. */
  readonly green: (text: string) => string;
  /** Warnings, skipped steps. */
  readonly yellow: (text: string) => string;
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Longest cell before it is cut with an ellipsis (default 120). */
  readonly maxCell?: number;
  /** Colours or other decoration per cell (the CLI passes terminal colours; default none). */
  readonly paint?: CellPaint;
}

/**
 * Formats rows under a header, columns left-aligned and separated by two spaces, with a rule under
 * the header. Control characters in cells are replaced (cells may hold text from the network).
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const max = options.maxCell ?? DEFAULT_MAX_CELL;
  const paint = options.paint ?? ((text: string) => text);
  const clean = (cell: string): string => {
    const text = cell.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  };
  const all = [header.map(clean), ...rows.map((row) => header.map((_, i) => clean(row[i] ?? '')))];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  // Padding goes outside the paint, so colour codes never disturb alignment or trimming.
  const line = (row: readonly string[], r: number): string =>
    row
      .map((cell, i) => `${cell === '' ? '' : paint(cell, i, r)}${i === row.length - 1 ? '' : ' '.repeat((widths[i] ?? 0) - cell.length)}`)
      .join('  ')
      .trimEnd();
  const [head, ...body] = all;
  return [line(head ?? [], -1), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map((row, r) => line(row, r))].join('\n') + '\n';
}
