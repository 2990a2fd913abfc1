/**
 * Space-aligned columns as Go's `text/tabwriter` prints them with flags 0, which is what istioctl
 * uses for its proxy-config tables: every column but the last is padded to its widest cell plus
 * `padding` spaces (an all-empty column is `padding` wide); the last cell is printed as is, so a
 * row whose last cell is empty keeps the padding of the cell before it. Widths count code points.
 */

function width(s: string): number {
  return [...s].length;
}

/** Renders a header and rows; every row has the header's number of cells. */
export function tabulate(rows: readonly (readonly string[])[], padding: number): string {
  if (rows.length === 0) return '';
  const columns = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let j = 0; j < columns - 1; j++) {
    let w = 0;
    for (const r of rows) if (j < r.length - 1) w = Math.max(w, width(r[j] ?? '') + padding);
    widths.push(w);
  }
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let j = 0; j < r.length; j++) {
      const cell = r[j] ?? '';
      line += j < r.length - 1 ? cell + ' '.repeat(Math.max(0, widths[j]! - width(cell))) : cell;
    }
    out += line + '\n';
  }
  return out;
}

/** istioctl's padding: 1 for listeners, 5 for routes, clusters and endpoints. */
export const LISTENER_PADDING = 1;
export const TABLE_PADDING = 5;
