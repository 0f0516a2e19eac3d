// `mkdir -p` with a bounded loop. Node's own recursive mkdir never returns on
// file systems that answer ENOENT to a mkdir whose parent exists (/proc,
// /sys): `--db /proc/x/gitward.db` would hang every command. Here each
// missing directory is made once, from the top, and the first refusal is
// thrown as it is, naming its code.
import fs from 'node:fs'
import path from 'node:path'

const errnoCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code

/** Make `dir` and any missing parents with `mode`; an existing one is left as it is. */
export function makeDirectories(dir: string, mode: number): void {
  const missing: string[] = []
  // Bounded by the number of components of the path.
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    let found: fs.Stats | undefined
    try {
      found = fs.statSync(current)
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e
    }
    if (found !== undefined) {
      if (found.isDirectory()) break
      throw Object.assign(new Error(`ENOTDIR: ${current} is not a directory`), { code: 'ENOTDIR', path: current })
    }
    missing.push(current)
    if (path.dirname(current) === current) break
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode })
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e
    }
  }
}
