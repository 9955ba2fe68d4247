/** Plain-text tables for CLI output (summary tables of the client, demo and expiry commands). */

/** Cells longer than this are cut with an ellipsis so one long reason cannot wreck the layout. */
const DEFAULT_MAX_CELL = 120;

/**
 * Formats rows under a header, columns left-aligned and separated by two spaces, with a rule under
 * the header. Control characters in cells are replaced (cells may hold text from the network).
 */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>, options: { maxCell?: number } = {}): string {
  const max = options.maxCell ?? DEFAULT_MAX_CELL;
  const clean = (cell: string): string => {
    const text = cell.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  };
  const all = [header.map(clean), ...rows.map((row) => header.map((_, i) => clean(row[i] ?? '')))];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const [head, ...body] = all;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
}
