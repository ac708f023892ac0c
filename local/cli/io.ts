/** A mistake in how a command was called: printed as `error: …` with exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where CLI commands write; injectable so tests capture output without spawning processes. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Rewrites one status line of a long command (import, backfill); absent when stderr is not a terminal. */
  progress?(text: string): void;
}

/** What a write to a closed stdout or stderr does: end the command, or lose the output and carry on. */
let whenOutputCloses: 'exit' | 'carry on' = 'exit';

// A reader that stops early (`skydag users list | head -1`) closes the pipe: that ends the output, not the CLI with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (whenOutputCloses === 'carry on' && (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED')) return;
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/**
 * For the long-running platform (`skydag dev`): output whose reader went away is lost, and the platform
 * carries on. Exiting at once cut its shutdown short when Ctrl-C stopped a `skydag dev | tee log`
 * (tee first): the store's lock, its endpoint file and an unclosed LevelDB were left behind, and task
 * processes were not stopped.
 */
export function carryOnWhenOutputCloses(): void {
  whenOutputCloses = 'carry on';
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  ...(process.stderr.isTTY ? { progress: (text: string) => process.stderr.write(`\r\x1b[2K${text}`) } : {}),
};

/** Renders rows as an aligned plain-text table (no colours: output is often piped). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
