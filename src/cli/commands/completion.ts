// gitward completion bash|zsh: a completion script built from this very
// program's commands and options (see completion-script.ts).
import type { Command } from 'commander'
import { GitwardError } from '../../errors.js'
import { bashCompletionScript, zshCompletionScript } from '../completion-script.js'
import type { CommandRegistrar } from '../context.js'

const SHELLS = ['bash', 'zsh'] as const

export const registerCompletionCommand: CommandRegistrar = (program, ctx) => {
  program
    .command('completion')
    .description('print a shell completion script for gitward (bash or zsh)')
    .argument('<shell>', SHELLS.join(' or '))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ source <(gitward completion bash)\n' +
        '  $ gitward completion bash | sudo tee /etc/bash_completion.d/gitward\n' +
        '  $ gitward completion zsh > "${fpath[1]}/_gitward"\n',
    )
    .action((shell: string, _opts: unknown, command: Command) => {
      const root = command.parent ?? command
      switch (shell) {
        case 'bash':
          ctx.io.stdout(bashCompletionScript(root))
          return
        case 'zsh':
          ctx.io.stdout(zshCompletionScript(root))
          return
        default:
          throw new GitwardError('INVALID_ARGUMENT', `gitward has completion scripts for ${SHELLS.join(' and ')}, not "${shell}"; use gitward completion bash or gitward completion zsh.`)
      }
    })
}
