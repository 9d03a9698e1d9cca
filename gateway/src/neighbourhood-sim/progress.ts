/**
 * A plain-text progress bar. On a TTY it redraws one line in place; elsewhere (CI logs, pipes) it prints a line
 * only when the completed count changes, so logs stay readable.
 */
export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #total: number;
  readonly #label: string;
  #lastDone = -1;
  #started = performance.now(); // real time, also under a virtual clock (sim-time.ts)

  constructor(stream: ProgressStream, total: number, label: string) {
    this.#stream = stream;
    this.#total = Math.max(1, total);
    this.#label = label;
  }

  /** Redraw with `done` of total complete and a short status text. */
  update(done: number, status = ''): void {
    const isTty = this.#stream.isTTY === true;
    if (!isTty && done === this.#lastDone) return;
    this.#lastDone = done;
    const line = renderBar(done, this.#total, this.#label, status, performance.now() - this.#started);
    this.#stream.write(isTty ? `\r${line.slice(0, (this.#stream.columns ?? 120) - 1)}\x1b[K` : `${line}\n`);
  }

  /** Redraws the status text at the current count (TTY only: a log gets a line per completed step). */
  status(text: string): void {
    if (this.#stream.isTTY !== true) return;
    this.update(Math.max(0, this.#lastDone), text);
  }

  finish(status = ''): void {
    this.update(this.#total, status);
    if (this.#stream.isTTY) this.#stream.write('\n');
  }
}

export function renderBar(done: number, total: number, label: string, status: string, elapsedMs: number, width = 30): string {
  const ratio = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const percent = `${Math.floor(ratio * 100)}`.padStart(3);
  return `${label} ${bar} ${percent}% ${done}/${total} ${formatDuration(elapsedMs)}${status ? ` | ${status}` : ''}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}
