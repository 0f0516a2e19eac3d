// gitward's hooks directory: what core.hooksPath points at for a push whose
// protected refs need the objects to decide (a force-push, an empty
// repository). Written once at start, inside the backend's private HOME
// (mode 0700), so nobody else can change what a push runs.
//
// core.hooksPath replaces a repository's own hooks/ directory, so every
// server-side hook here chains to the repository's hook of the same name:
// an administrator's hooks keep running, after gitward's check for
// pre-receive (a push gitward refuses never reaches them), unchanged for the
// others. Pushes that need no check do not set core.hooksPath at all.
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The hooks git runs on the server side of a push (githooks(5)), gc --auto included. */
export const CHAINED_HOOKS = [
  'update',
  'post-receive',
  'post-update',
  'push-to-checkout',
  'reference-transaction',
  'proc-receive',
  'pre-auto-gc',
] as const

/** The hook entry, built: dist/hook/main.js, found the same way from src/ (tests) and dist/. */
export const HOOK_ENTRY = fileURLToPath(new URL('../../dist/hook/main.js', import.meta.url))

// Single quotes, with any single quote closed, escaped and reopened: a path
// is one word for sh whatever it contains.
const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

// Hooks run with the git directory as their working directory and GIT_DIR
// set (githooks(5)); the repository's own hook is looked up there.
const OWN = (name: string): string => `own="\${GIT_DIR:-.}/hooks/${name}"`

export function preReceiveScript(node: string, entry: string): string {
  return [
    '#!/bin/sh',
    '# Written by gitward at start; see docs/access.md. Checks the push against',
    "# gitward's protected refs, then runs the repository's own pre-receive hook.",
    'input=$(cat)',
    `printf '%s\\n' "$input" | ${shellWord(node)} ${shellWord(entry)} || exit 1`,
    OWN('pre-receive'),
    `if [ -x "$own" ]; then printf '%s\\n' "$input" | "$own" "$@"; exit $?; fi`,
    'exit 0',
    '',
  ].join('\n')
}

export function chainScript(name: string): string {
  return [
    '#!/bin/sh',
    `# Written by gitward at start; runs the repository's own ${name} hook, if any.`,
    OWN(name),
    'if [ -x "$own" ]; then exec "$own" "$@"; fi',
    'exit 0',
    '',
  ].join('\n')
}

/** Write the hooks directory `dir`; returns it. `node` is the Node.js binary, `entry` the built hook entry. */
export async function writeHooksDir(dir: string, options: { node: string; entry?: string }): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  const files: Array<[string, string]> = [
    ['pre-receive', preReceiveScript(options.node, options.entry ?? HOOK_ENTRY)],
    ...CHAINED_HOOKS.map((name): [string, string] => [name, chainScript(name)]),
  ]
  for (const [name, text] of files) {
    const file = path.join(dir, name)
    await writeFile(file, text, { mode: 0o700 })
    await chmod(file, 0o700)
  }
  return dir
}
