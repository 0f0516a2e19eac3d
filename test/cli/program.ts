// The program loads only the command module argv needs: `gitward serve`
// never loads the administrative use cases, so a running server does not
// keep them in memory. Help, unknown words and completion load everything.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { Command } from 'commander'
import { BUILT_IN_COMMANDS, builtInCommands, commandWord } from '../../src/cli/program.js'
import { createContext } from '../../src/cli/context.js'
import { defaultCliDeps } from '../../src/cli/deps.js'
import { memoryIo } from '../../src/cli/io.js'

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..')

t.test('the command word comes after the global options and their values', async t => {
  t.equal(commandWord(['serve']), 'serve')
  t.equal(commandWord(['--db', 'x.db', '--repos', 'r', 'token', 'list']), 'token')
  t.equal(commandWord(['--db=x.db', '--config', 'c.toml', '--reason', 'why', 'repo', 'create', 'a/b']), 'repo')
  t.equal(commandWord(['--help', 'serve']), undefined, 'root help first: every command')
  t.equal(commandWord(['-V']), undefined)
  t.equal(commandWord([]), undefined)
  t.equal(commandWord(['--db', 'x.db']), undefined)
})

t.test('each registrar adds exactly the top-level names it is listed under', async t => {
  const ctx = createContext(memoryIo({}, '/tmp'), defaultCliDeps())
  for (const entry of BUILT_IN_COMMANDS) {
    const program = new Command('gitward')
    ;(await entry.load())(program, ctx)
    t.same(program.commands.map(c => c.name()), entry.names)
  }
})

t.test('argv picks its own command, or all of them', async t => {
  t.equal((await builtInCommands(['--db', 'x', 'serve'])).length, 1)
  t.equal((await builtInCommands(['unprotect', 'branch', 'a/b', 'main'])).length, 1)
  t.equal((await builtInCommands(['completion', 'bash'])).length, BUILT_IN_COMMANDS.length, 'completion describes the whole program')
  t.equal((await builtInCommands(['serv'])).length, BUILT_IN_COMMANDS.length, 'an unknown word gets suggestions from every command')
  t.equal((await builtInCommands(['--help'])).length, BUILT_IN_COMMANDS.length)
  t.equal((await builtInCommands()).length, BUILT_IN_COMMANDS.length)
})

t.test('gitward serve loads none of the administrative modules', async t => {
  // A module hook that names every module of the build as it loads.
  const hook = `export async function load(url, context, next) { if (url.includes('/dist/')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context) }`
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)})`
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, path.join(root, 'bin', 'gitward'), ...args], { encoding: 'utf8' })
    return { code: r.status, loaded: r.stderr.split('\n').filter(l => l.startsWith('LOADED ')).map(l => l.slice(l.indexOf('/dist/') + 6)) }
  }
  const serve = run(['serve', '--help'])
  t.equal(serve.code, 0)
  t.ok(serve.loaded.includes('app.js'), 'serve loads the server')
  // The server itself reads a few admin/ modules (the audit feed, token
  // listing for metrics); the administrative facade and its use cases stay out.
  const administrative = /^(doctor\/|cli\/commands\/(?!serve\.js)|admin\/(admin|mint-token|rotate-token|revoke-token|create-project|protect-ref|remove-project)\.js)/
  t.same(serve.loaded.filter(m => administrative.test(m)), [], 'and nothing administrative')
  const all = run(['--help'])
  t.equal(all.code, 0)
  t.ok(all.loaded.includes('cli/commands/token.js') && all.loaded.includes('cli/commands/doctor.js'), 'help loads every command')
})
