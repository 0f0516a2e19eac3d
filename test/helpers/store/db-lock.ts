// Another process working on gitward's SQLite database, as a long admin
// transaction, a backup tool or a stuck writer would: it opens the file with
// better-sqlite3 and either
//   - asks for an exclusive lock (locking_mode=EXCLUSIVE + BEGIN EXCLUSIVE),
//     the way one would try to shut every other reader out, or
//   - opens a write transaction (BEGIN IMMEDIATE), runs the given SQL and
//     holds the transaction open until told to commit or roll back.
import { spawn } from 'node:child_process'
import { ROOT } from '../paths/root.js'

export type LockMode = 'exclusive' | 'write-transaction'

export interface DatabaseHolder {
  /** True when the lock or transaction was taken; false when SQLite refused it. */
  held: boolean
  /** The SQLite error code when it was refused (e.g. SQLITE_BUSY). */
  refusedWith: string | null
  /** End the transaction (commit or roll back) and wait for the process to exit. */
  release(how?: 'commit' | 'rollback'): Promise<void>
}

const SCRIPT = `
const Database = require('better-sqlite3')
const [file, mode, sql] = process.argv.slice(1)
const db = new Database(file, { timeout: 1000 })
try {
  if (mode === 'exclusive') {
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('CREATE TABLE attack_lock (x INTEGER)')
  } else {
    db.exec('BEGIN IMMEDIATE')
    db.exec(sql)
  }
  process.stdout.write('held\\n')
} catch (e) {
  process.stdout.write('refused ' + e.code + '\\n')
  process.exit(0)
}
let how = 'rollback'
process.stdin.on('data', d => { how = String(d).trim() || how })
process.stdin.on('end', () => { db.exec(how === 'commit' ? 'COMMIT' : 'ROLLBACK'); db.close(); process.exit(0) })
`

export async function holdDatabase(file: string, mode: LockMode, sql = ''): Promise<DatabaseHolder> {
  const child = spawn(process.execPath, ['-e', SCRIPT, file, mode, sql], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')))
  const exited = new Promise<void>(resolve => child.on('close', () => resolve()))
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the database holder did not report in time: ${err}`)), 20_000)
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8')
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolve(out.trim())
      }
    })
    child.on('close', code => {
      clearTimeout(timer)
      reject(new Error(`the database holder exited (${code}): ${err}`))
    })
  })
  const held = first === 'held'
  let released = !held
  return {
    held,
    refusedWith: held ? null : first.replace(/^refused /, ''),
    release: async (how = 'rollback') => {
      if (released) return exited
      released = true
      child.stdin.end(how)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
