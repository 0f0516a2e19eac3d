// CPU time of a server process from /proc/<pid>/stat: its own (the Node
// event loop: gate, proxy, CGI plumbing) and that of its children once they
// are reaped (git http-backend, upload-pack, pack-objects, index-pack). Used
// to explain a wall-time ratio: on a small machine, extra CPU in the server
// is time taken from the git processes on both sides.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticks = null
function clockTicks() {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticks = 100
    }
  }
  return ticks
}

/** { self, children } in CPU seconds, or null when the process is gone. */
export function processCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after "(comm) ": state is index 0, so utime (field 14) is index 11.
    const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
    const hz = clockTicks()
    return { self: (Number(f[11]) + Number(f[12])) / hz, children: (Number(f[13]) + Number(f[14])) / hz }
  } catch {
    return null
  }
}

export const cpuDelta = (before, after) =>
  before === null || after === null ? null : { self: after.self - before.self, children: after.children - before.children }
