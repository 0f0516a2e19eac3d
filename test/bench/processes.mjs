// Every child process the benchmark starts is registered here, so that an
// error, Ctrl-C or a normal end stops all of them: servers get SIGTERM and a
// grace period, then SIGKILL; nothing is left listening on the machine.
import { spawn } from 'node:child_process'

export function createProcessRegistry({ graceMs = 10_000 } = {}) {
  const live = new Set()

  function track(child, label, { group = false } = {}) {
    const entry = { child, label, group, exited: false }
    entry.done = new Promise(resolve => {
      child.once('exit', (code, signal) => {
        entry.exited = true
        live.delete(entry)
        resolve({ code, signal })
      })
      child.once('error', error => {
        entry.exited = true
        live.delete(entry)
        resolve({ code: null, signal: null, error })
      })
    })
    live.add(entry)
    return entry
  }

  /**
   * spawn + track; the entry's `exited` and `done` follow the process. A
   * detached child leads its own process group, and signals go to the whole
   * group (nginx workers, fcgiwrap's forked workers).
   */
  function start(command, args, options, label = command) {
    return track(spawn(command, args, options), label, { group: options.detached === true })
  }

  function signal(entry, sig) {
    try {
      if (entry.group && entry.child.pid !== undefined) process.kill(-entry.child.pid, sig)
      else entry.child.kill(sig)
    } catch {
      // already gone
    }
  }

  async function stop(entry, sig = 'SIGTERM') {
    if (entry.exited) return entry.done
    signal(entry, sig)
    const timer = setTimeout(() => {
      if (!entry.exited) signal(entry, 'SIGKILL')
    }, graceMs)
    const result = await entry.done
    clearTimeout(timer)
    return result
  }

  async function stopAll() {
    await Promise.all([...live].map(e => stop(e)))
  }

  /** Synchronous last resort for process 'exit': SIGKILL whatever is left. */
  function killAllNow() {
    for (const e of live) signal(e, 'SIGKILL')
  }

  return { track, start, stop, stopAll, killAllNow, size: () => live.size }
}

/** Resolves with the first line of `stream` that matches `pattern`, or rejects on exit/timeout. */
export async function waitForLine(stream, pattern, { timeoutMs, exited, what }) {
  let text = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what} did not start within ${timeoutMs} ms:\n${text.slice(-2000)}`)), timeoutMs)
    const onData = chunk => {
      text += chunk.toString('utf8')
      const m = pattern.exec(text)
      if (m !== null) finish(null, m)
    }
    const finish = (error, match) => {
      clearTimeout(timer)
      stream.off('data', onData)
      if (error) reject(error)
      else resolve(match)
    }
    stream.on('data', onData)
    exited.then(r => finish(new Error(`${what} exited (${r.code ?? r.signal ?? r.error?.message}) before it was ready:\n${text.slice(-2000)}`)))
  })
}

