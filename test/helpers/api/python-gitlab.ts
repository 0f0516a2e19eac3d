// python-gitlab, the Python client most GitLab automation is written with,
// driven against a gitward (test/fixtures/python-gitlab/drive.py). The steps
// go in on stdin and the tokens in the environment, so no secret is ever on a
// command line or in a process listing; results come back as JSON. Anything
// this module puts into an error message has its tokens masked first.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { DEFAULT_TOKEN_PREFIX, tokenPattern } from '../../../src/auth/token-format.js'
import { ROOT } from '../paths/root.js'

/** Debian's python3-gitlab is importable only by the system interpreter. */
export const PYTHON = '/usr/bin/python3'
const DRIVER = join(ROOT, 'test', 'fixtures', 'python-gitlab', 'drive.py')

export type Auth = 'private' | 'oauth'
export type Kind = 'project' | 'group'

export interface Step {
  /** Which of the named tokens authenticates this step. */
  as: string
  /** `private_token=` (PRIVATE-TOKEN header, the default) or `oauth_token=` (Bearer). */
  auth?: Auth
  op:
    | 'project'
    | 'group'
    | 'list'
    | 'list-iterator'
    | 'get'
    | 'create'
    | 'rotate'
    | 'delete'
    | 'get-then-delete'
    | 'self'
    | 'self-rotate'
    | 'self-delete'
  kind?: Kind
  /** Project or group path ("acme/app"), or a numeric id as a string. */
  path?: string
  /** Build the parent lazily: its path goes into the URL URL-encoded, not its numeric id. */
  lazy?: boolean
  id?: number | string
  data?: Record<string, unknown>
  kwargs?: Record<string, unknown>
}

export interface PyError {
  /** The python-gitlab exception class, e.g. GitlabCreateError. */
  class: string
  code: number | null
  message: string
  body: unknown
}

export type StepResult = { ok: unknown; error?: undefined; warnings: string[] } | { ok?: undefined; error: PyError; warnings: string[] }

/** Token JSON as GitLab documents it (gitward adds its text id in an extra field). */
export interface ApiToken {
  id: number
  name: string
  scopes: string[]
  access_level: number
  expires_at: string | null
  created_at: string
  last_used_at: string | null
  active: boolean
  revoked: boolean
  user_id: number
  token?: string
  [extra: string]: unknown
}

const TOKENS = tokenPattern(DEFAULT_TOKEN_PREFIX)

/** Mask every token in a text that may end up in a test report. */
export const mask = (text: string): string => text.replace(TOKENS, '<token>')

/** Run steps through python-gitlab; `tokens` maps the steps' `as` names to tokens. */
export function runPython(
  env: { url: string; home: string },
  tokens: Readonly<Record<string, string>>,
  steps: readonly Step[],
  timeoutMs = 90_000,
): Promise<StepResult[]> {
  const childEnv: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    // An empty home: no ~/.netrc for requests to add Basic credentials from.
    HOME: env.home,
    LANG: 'C.UTF-8',
    NO_PROXY: '*',
    PYTHONDONTWRITEBYTECODE: '1',
    GW_URL: env.url,
  }
  for (const [name, token] of Object.entries(tokens)) childEnv[`GW_TOKEN_${name}`] = token
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DRIVER], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('error', reject)
    child.stdin.on('error', () => {}) // a child that died early is reported by 'close'
    child.on('close', (code, signal) => {
      const stderr = mask(Buffer.concat(err).toString('utf8'))
      if (code !== 0) {
        reject(new Error(`python-gitlab driver exited with ${code ?? signal ?? '?'}: ${stderr.slice(-2000)}`))
        return
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as StepResult[])
      } catch {
        reject(new Error(`python-gitlab driver printed no JSON: ${stderr.slice(-2000)}`))
      }
    })
    child.stdin.end(JSON.stringify(steps))
  })
}

/** The step's value; a failed step throws (masked), failing the test that needed it. */
export function ok<T>(result: StepResult | undefined, what: string): T {
  if (result === undefined) throw new Error(`${what}: no result`)
  if (result.error !== undefined) throw new Error(`${what} failed: ${mask(JSON.stringify(result.error))}`)
  return result.ok as T
}

/** A result as a short masked text for assertion messages. */
export const show = (result: StepResult | undefined): string => mask(JSON.stringify(result ?? null)).slice(0, 600)

/** Is python-gitlab importable by the system interpreter? */
export function pythonGitlabVersion(): Promise<string | null> {
  return new Promise(resolve => {
    const child = spawn(PYTHON, ['-c', 'import gitlab; print(gitlab.__version__)'], { env: { PATH: '/usr/bin:/bin' }, timeout: 30_000 })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')))
    child.on('error', () => resolve(null))
    child.on('close', code => resolve(code === 0 ? out.trim() : null))
  })
}
