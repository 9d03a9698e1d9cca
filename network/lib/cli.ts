/**
 * What every network CLI does once its work is done or has failed: the exit code comes from `main`, a failure is
 * reported as one line (a gRPC error from the peer gateway adds one line per peer detail) and never as a stack trace,
 * which the shell scripts calling these would only bury their own messages under.
 */
export type CliMain = (argv: readonly string[]) => Promise<number> | number;

/** The lines a failure is reported with: its message, then each peer's detail (fabric-gateway's `details`). */
export function failureLines(err: unknown, prefix = ''): string[] {
  const message = err instanceof Error ? err.message : String(err);
  const details = (err as { details?: { message?: string }[] } | undefined)?.details ?? [];
  return [`${prefix}${message}`, ...details.map((d) => `  ${d.message ?? ''}`)];
}

/** Runs `main` and settles process.exitCode; resolves with that code (for tests). */
export async function runCli(main: CliMain, argv: readonly string[], failurePrefix = ''): Promise<number> {
  let code: number;
  try {
    code = await main(argv);
  } catch (err) {
    for (const line of failureLines(err, failurePrefix)) console.error(line);
    code = 1;
  }
  process.exitCode = code;
  return code;
}
