// Turns whatever stopped a command into one line on stderr and an exit code:
// 0 success, 1 refused input / not found / disabled, 2 command-line usage,
// 3 environment (database, repository). No stack traces, no usage dumps.
import { CommanderError, type Command } from 'commander'
import { DEFAULT_TOKEN_PREFIX, tokenPattern } from '../auth/token-format.js'
import { isGitwardError } from '../errors.js'
import { REDACTED } from '../log/redact.js'

export const EXIT_OK = 0
export const EXIT_USAGE = 2
export const EXIT_ENVIRONMENT = 3

interface ArgvShape {
  /** Names of the (sub)commands argv selects, e.g. ['token', 'create']. */
  path: string[]
  /** Words that are neither commands, options nor option values. */
  operands: string[]
  /** Options no command on the path defines, each with the path where it appeared. */
  unknownOptions: Array<{ flag: string; path: string[] }>
}

// commander handles --help and -h itself; they are not in `options`.
const HELP_FLAGS: ReadonlySet<string> = new Set(['-h', '--help'])

/** A rough reading of argv (commander does the real parsing), for hints. */
export function readArgv(program: Command, argv: readonly string[]): ArgvShape {
  const path: string[] = []
  const operands: string[] = []
  const unknownOptions: ArgvShape['unknownOptions'] = []
  const chain: Command[] = [program]
  let current = program
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string
    if (word === '--') {
      operands.push(...argv.slice(i + 1))
      break
    }
    if (word.startsWith('-')) {
      const flag = word.split('=')[0]
      const option = chain.flatMap(c => c.options).find(o => o.long === flag || o.short === flag)
      if (option === undefined && flag !== undefined && !HELP_FLAGS.has(flag)) unknownOptions.push({ flag, path: [...path] })
      // An option that takes a value consumes the next word unless given as --x=value.
      if (option !== undefined && (option.required || option.optional) && !word.includes('=')) i++
      continue
    }
    const sub = operands.length === 0 ? current.commands.find(c => c.name() === word || c.aliases().includes(word)) : undefined
    if (sub === undefined) {
      operands.push(word)
      continue
    }
    path.push(sub.name())
    chain.push(sub)
    current = sub
  }
  return { path, operands, unknownOptions }
}

/** The words of argv that name (sub)commands, for a "see ... --help" hint. */
export const commandPath = (program: Command, argv: readonly string[]): string[] => readArgv(program, argv).path

/**
 * An unknown option given where a command is still to be named (`gitward
 * --frob`, `gitward --frob token list`, `gitward token --frob`): the sentence
 * to print. Unknown options of a command itself are left to commander, which
 * also suggests the closest known one.
 */
export function unknownGroupOption(program: Command, argv: readonly string[]): string | undefined {
  for (const { flag, path } of readArgv(program, argv).unknownOptions) {
    let command = program
    for (const name of path) command = command.commands.find(c => c.name() === name) ?? command
    if (command.commands.length === 0) continue
    return `unknown option '${flag}'; see "${['gitward', ...path].join(' ')} --help".`
  }
  return undefined
}

/**
 * When argv names a command that only groups subcommands (or nothing at all)
 * and gives nothing more, the sentence to print; otherwise undefined.
 */
export function missingSubcommand(program: Command, argv: readonly string[]): string | undefined {
  if (argv.some(a => a === '-h' || a === '--help' || a === '-V' || a === '--version' || a === 'help')) return undefined
  const { path, operands } = readArgv(program, argv)
  if (operands.length > 0) return undefined
  let command = program
  for (const name of path) command = command.commands.find(c => c.name() === name) ?? command
  if (command.commands.length === 0) return undefined
  const names = command.commands.map(c => c.name()).filter(n => n !== 'help')
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('')
  const full = ['gitward', ...path].join(' ')
  return `"${full}" needs a command: ${list}; see "${full} --help".`
}

const sentence = (s: string): string => s.replace(/\s+/g, ' ').trim().replace(/[.;:]+$/, '')

/** Token-shaped strings never reach the terminal, even inside an error. */
export function scrubTokens(s: string, prefixes: readonly string[]): string {
  let out = s
  for (const p of new Set([DEFAULT_TOKEN_PREFIX, ...prefixes])) out = out.replace(tokenPattern(p), REDACTED)
  return out
}

export function reportError(
  error: unknown,
  write: (s: string) => void,
  context: { program: Command; argv: readonly string[]; tokenPrefixes: readonly string[] },
): number {
  const say = (message: string): void => write(`gitward: ${scrubTokens(message, context.tokenPrefixes)}\n`)
  if (error instanceof CommanderError) {
    switch (error.code) {
      case 'commander.helpDisplayed':
      case 'commander.version':
        return EXIT_OK
      case 'commander.help':
        // `gitward help repo` prints help and exits 0; help printed because
        // a command was missing goes to stderr with a non-zero code.
        return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE
      default: {
        const what = sentence(error.message.replace(/^error:\s*/, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)'))
        const cmd = ['gitward', ...commandPath(context.program, context.argv)].join(' ')
        say(`${what}; see "${cmd} --help".`)
        return EXIT_USAGE
      }
    }
  }
  if (isGitwardError(error)) {
    say(error.message)
    return error.exitCode
  }
  // A bug or an unexpected system error: still one line, no stack.
  const message = error instanceof Error ? error.message : String(error)
  say(`unexpected error: ${sentence(message)}.`)
  return EXIT_ENVIRONMENT
}
