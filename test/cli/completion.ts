// `gitward completion bash|zsh`: scripts generated from the program itself.
// The bash script is checked with bash -n and then driven the way bash
// drives it (COMP_WORDS, COMP_CWORD, the completion function, COMPREPLY).
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Command } from 'commander'
import { createContext } from '../../src/cli/context.js'
import { defaultCliDeps } from '../../src/cli/deps.js'
import { memoryIo } from '../../src/cli/io.js'
import { buildProgram, builtInCommands } from '../../src/cli/program.js'
import { commandTree } from '../../src/cli/completion-script.js'
import { assertOneSentence, gitward } from '../helpers/cli/bin.js'

const hasShell = (shell: string): boolean => spawnSync(shell, ['-c', 'true']).status === 0

t.test('bash: valid, and completes commands, subcommands and options from the real program', async t => {
  const dir = t.testdir({ home: {} })
  const r = await gitward(dir, ['completion', 'bash'], { raw: true })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stderr, '')
  const script = path.join(dir, 'gitward.bash')
  fs.writeFileSync(script, r.stdout)
  t.equal(spawnSync('bash', ['-n', script]).status, 0, 'bash -n accepts it')

  const complete = (...words: string[]): string[] => {
    const driver =
      `source ${JSON.stringify(script)}\n` +
      'COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()\n' +
      '_gitward\n' +
      'printf "%s\\n" "${COMPREPLY[@]}"\n'
    const out = execFileSync('bash', ['-c', driver, 'bash', 'gitward', ...words], { encoding: 'utf8', cwd: dir })
    return out.split('\n').filter(s => s !== '')
  }
  t.same(complete('tok'), ['token'], 'gitward tok<TAB>')
  t.same(complete('token', ''), ['create', 'list', 'show', 'revoke', 'rotate'], 'gitward token <TAB>')
  t.same(complete('repo', ''), ['create', 'list', 'set', 'archive', 'unarchive', 'remove'], 'archive and unarchive appear with no change to the generator')
  t.same(complete('group', ''), ['list', 'show', 'set'])
  t.same(complete('c'), ['completion'])
  t.same(complete('--db', 'x.db', 'token', 'r'), ['revoke', 'rotate'], 'a global option and its value are skipped')
  t.same(complete('token', 'create', '--n'), ['--name'])
  t.same(complete('repo', 'remove', 'acme/app', '--'), ['--yes', '--revoke-tokens', '--json', '--help', '--db', '--repos', '--config', '--reason'])
  t.same(complete('repo', 'set', 'acme/app', '--visibility', 'p'), [], 'a value is not completed as a command')
  t.same(complete('--config', 'gitward.b'), ['gitward.bash'], 'a file name after an option that takes one')
  t.same(complete('--ver'), ['--version'])
})

t.test('every command and option of the program is in both scripts', async t => {
  const ctx = createContext(memoryIo({}, '/tmp'), defaultCliDeps())
  const program = buildProgram(ctx, await builtInCommands())
  const tree = commandTree(program)
  const dir = t.testdir({ home: {} })
  const [bash, zsh] = [await gitward(dir, ['completion', 'bash'], { raw: true }), await gitward(dir, ['completion', 'zsh'], { raw: true })]
  t.equal(zsh.code, 0, zsh.stderr)
  t.match(zsh.stdout, /^#compdef gitward\n/)
  t.ok(tree.length > 20, 'the tree has every subcommand')
  for (const node of tree) {
    for (const script of [bash.stdout, zsh.stdout]) t.ok(script.includes(`    '${node.path}')`), `"${node.path}" has a case`)
    for (const o of node.options) {
      const long = o.flags.find(f => f.startsWith('--'))
      if (long !== undefined) t.ok(zsh.stdout.includes(`'${long}:`), `zsh offers ${node.path} ${long}`)
    }
  }
  // A command added by a registrar appears with no change to the generator.
  const extra = buildProgram(ctx, [...(await builtInCommands()), (p: Command) => { p.command('frobnicate').option('--hard', 'x') }])
  t.ok(commandTree(extra).some(n => n.path === 'frobnicate' && n.options.some(o => o.flags.includes('--hard'))))
  if (hasShell('zsh')) {
    const file = path.join(dir, '_gitward')
    fs.writeFileSync(file, zsh.stdout)
    t.equal(spawnSync('zsh', ['-n', file]).status, 0, 'zsh -n accepts it')
  } else {
    t.comment('zsh is not installed: its script was checked as text only')
  }
})

t.test('an unknown shell is one sentence, exit 1; no shell is a usage error', async t => {
  const dir = t.testdir({ home: {} })
  assertOneSentence(t, await gitward(dir, ['completion', 'fish'], { raw: true }), 1,
    /gitward has completion scripts for bash and zsh, not "fish"; use gitward completion bash or gitward completion zsh\./, 'fish')
  assertOneSentence(t, await gitward(dir, ['completion'], { raw: true }), 2, /missing required argument 'shell'/, 'no shell')
})
