// Where the checkout is, for tests that run the real executable or read the
// shipped config files. Defined once; every helper and test imports it.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (test/helpers/paths/ is three levels below it). */
export const ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)))
/** The installed command, bin/gitward (it runs the built dist/). */
export const BIN = path.join(ROOT, 'bin', 'gitward')
