// The process git runs as gitward's pre-receive hook (through the script in
// the hooks directory, see src/backend/hooks-dir.ts): standard input and the
// environment receive-pack gives its hooks in, an exit code out. It loads
// only the pure decision code, so it starts quickly.
import { execFile } from 'node:child_process'
import { runPreReceive } from './pre-receive.js'

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    process.stdin.on('data', (c: Buffer) => chunks.push(c))
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    process.stdin.on('error', reject)
  })
}

async function main(): Promise<number> {
  const stdin = await readStdin()
  return runPreReceive({
    stdin,
    // The hook's own environment is its input: GIT_DIR, the quarantine
    // variables and GITWARD_REF_POLICY, all set by receive-pack and the backend.
    env: process.env,
    stderr: text => process.stderr.write(text),
    runGit: args =>
      new Promise(resolve => {
        execFile('git', [...args], { env: process.env, maxBuffer: 1024 * 1024 }, (error, stdout) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 128
          resolve({ code, stdout: String(stdout) })
        })
      }),
  })
}

main().then(
  code => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`gitward: the push could not be checked (${error instanceof Error ? error.message : String(error)}).\n`)
    process.exitCode = 1
  },
)
