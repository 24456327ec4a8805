/** Terminal formatting: colours (only on a TTY, never with NO_COLOR), tables, durations, times. */

type Paint = (text: string) => string;

export interface Palette {
  readonly enabled: boolean;
  readonly bold: Paint;
  readonly dim: Paint;
  readonly red: Paint;
  readonly green: Paint;
  readonly yellow: Paint;
  readonly cyan: Paint;
  readonly magenta: Paint;
}

function sgr(open: number, close: number): Paint {
  return (text) => `\u001b[${open}m${text}\u001b[${close}m`;
}

const identity: Paint = (text) => text;

export function createPalette(enabled: boolean): Palette {
  if (!enabled) {
    return { enabled, bold: identity, dim: identity, red: identity, green: identity, yellow: identity, cyan: identity, magenta: identity };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    magenta: sgr(35, 39),
  };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Visible width of a string (without colour codes). */
export function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return right ? fill + text : text + fill;
}

/** Pads to a visible width (colour codes do not count). */
export function padVisible(text: string, width: number): string {
  return pad(text, width, false);
}

export interface Column {
  readonly header: string;
  /** Right-align (numbers). */
  readonly right?: boolean;
}

/** Renders rows as an aligned table with a header line. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[], palette: Palette): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => visibleLength(row[i] ?? ''))),
  );
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 && !columns[i].right ? cell : pad(cell, widths[i], columns[i].right === true)))
      .join('  ')
      .trimEnd();
  const header = palette.bold(render(columns.map((column) => column.header)));
  return [header, ...rows.map(render)].join('\n') + '\n';
}

/** `1.23s`, `456ms`, `2m03s`, `1h02m`. */
export function formatDuration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return '-';
  const ms = Math.max(0, milliseconds);
  if (ms === 0) return '0ms';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms < 3_600_000) {
    const minutes = Math.floor(ms / 60_000);
    return `${minutes}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  }
  const hours = Math.floor(ms / 3_600_000);
  return `${hours}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')}m`;
}

/** ISO 8601 in UTC, to the millisecond. */
export function isoTime(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return '';
  return new Date(Math.floor(milliseconds)).toISOString();
}

/** `2026-01-31 12:00:00` in UTC, for tables. */
export function shortTime(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return '-';
  return new Date(Math.floor(milliseconds)).toISOString().slice(0, 19).replace('T', ' ');
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function percent(part: number, whole: number): string {
  if (whole === 0) return '0.0%';
  return `${((100 * part) / whole).toFixed(1)}%`;
}

/** Shortens text to `max` characters on one line. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function statusText(status: string, palette: Palette): string {
  if (status === 'error' || status === 'failure' || status === 'denied') return palette.red(status);
  if (status === 'ok' || status === 'success' || status === 'granted') return palette.green(status);
  if (status === 'running') return palette.yellow(status);
  return status;
}
