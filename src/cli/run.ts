// The CLI as a function: argv and io in, exit code out. It never calls
// process.exit, so tests run it in-process and bin/gitward only sets
// process.exitCode.
import { Command } from 'commander'
import { createContext } from './context.js'
import { defaultCliDeps, type CliDeps } from './deps.js'
import type { CliIo } from './io.js'
import { buildProgram, builtInCommands } from './program.js'
import { EXIT_USAGE, missingSubcommand, reportError, unknownGroupOption } from './report-error.js'

export async function run(argv: string[], io: CliIo, deps: Partial<CliDeps> = {}): Promise<number> {
  const all: CliDeps = { ...defaultCliDeps(), ...deps }
  const ctx = createContext(io, all)
  let program = new Command('gitward')
  try {
    program = buildProgram(ctx, [...(await builtInCommands(argv)), ...all.commands])
    // `gitward`, `gitward token` or `gitward --frob`: one sentence rather
    // than a help dump.
    const missing = unknownGroupOption(program, argv) ?? missingSubcommand(program, argv)
    if (missing !== undefined) {
      io.stderr(`gitward: ${missing}\n`)
      return EXIT_USAGE
    }
    await program.parseAsync(argv, { from: 'user' })
    return ctx.exitCode()
  } catch (e) {
    return reportError(e, s => io.stderr(s), { program, argv, tokenPrefixes: ctx.tokenPrefixes() })
  }
}
