// Credentials for the rejection floods, written one `Basic …` value per line
// for wrk. They are well-formed gitward tokens (right prefix, length,
// alphabet and checksum, made with gitward's own token-format functions), so
// they get past the free format check and cost the server real work:
//   unknown  random ids that are not in the database (one row lookup each)
//   guesses  the id of a real token with ever-changing wrong secrets (one
//            bcrypt compare each, through the bounded limiter)
import { writeFileSync } from 'node:fs'
import { formatToken, newSecret, newTokenId } from '../../dist/auth/token-format.js'
import { createPrng } from './prng.mjs'

const basic = (user, password) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

export function writeUnknownIdTokens(file, { prefix, count, seed }) {
  const prng = createPrng(`unknown:${seed}`)
  const random = n => prng.bytes(n)
  const lines = []
  for (let i = 0; i < count; i++) lines.push(basic('git', formatToken(prefix, newTokenId(random), newSecret(random))))
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 })
  return file
}

export function writeWrongSecretTokens(file, { prefix, id, count, seed }) {
  const prng = createPrng(`guesses:${seed}`)
  const random = n => prng.bytes(n)
  const lines = []
  for (let i = 0; i < count; i++) lines.push(basic('git', formatToken(prefix, id, newSecret(random))))
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 })
  return file
}

export function writeSingleCredential(file, user, password) {
  writeFileSync(file, basic(user, password) + '\n', { mode: 0o600 })
  return file
}
