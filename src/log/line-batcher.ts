// Writes log lines in batches: every line written during one turn of the
// event loop goes out in one write, on the next turn (or at once when the
// batch reaches `maxBytes`). Under load that is one system call for many
// requests instead of one each; every request still gets its own line, in
// order. `flush()` writes what is pending now (at shutdown).
export interface LineBatcher {
  write(line: string): void
  flush(): void
}

export function createLineBatcher(sink: (chunk: string) => void, maxBytes = 64 * 1024): LineBatcher {
  let pending: string[] = []
  let bytes = 0
  let scheduled: NodeJS.Immediate | null = null
  const flush = (): void => {
    if (scheduled !== null) {
      clearImmediate(scheduled)
      scheduled = null
    }
    if (pending.length === 0) return
    const chunk = pending.length === 1 ? (pending[0] as string) : pending.join('')
    pending = []
    bytes = 0
    sink(chunk)
  }
  return {
    write(line) {
      pending.push(line)
      bytes += line.length
      if (bytes >= maxBytes) flush()
      else scheduled ??= setImmediate(flush)
    },
    flush,
  }
}
