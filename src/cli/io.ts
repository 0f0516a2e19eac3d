// Everything the CLI touches of its process, passed in. bin/gitward builds
// the real one; tests build one that records output.
export interface CliIo {
  stdout(s: string): void
  stderr(s: string): void
  env: Readonly<Record<string, string | undefined>>
  cwd: string
}

/** An io that keeps what was written, for in-process tests. */
export function memoryIo(
  env: Readonly<Record<string, string | undefined>> = {},
  cwd = '/',
): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, env, cwd, stdout: s => void out.push(s), stderr: s => void err.push(s) }
}
