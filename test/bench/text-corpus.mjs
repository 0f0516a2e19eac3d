// Deterministic text that looks like source code and prose to git and zlib:
// lines of words from a fixed vocabulary, with indentation and punctuation.
// Its compression ratio and line structure give realistic zlib and delta
// work, unlike repeated or random bytes.
const SYLLABLES = [
  'ka', 'to', 'ri', 'en', 'sa', 'mo', 'lu', 'de', 'pi', 'an', 've', 'cho', 'ter', 'ul', 'ba', 'ne',
  'io', 'str', 'po', 'fi', 'gra', 'mi', 'on', 'tu', 'ze', 'la', 'ch', 'ex', 'ho', 'qui', 'ra', 'sel',
]
const PUNCTUATION = ['', '', '', ',', '.', ';', ' {', ' }', '()', ');', ' =', ':']

export function createCorpus(prng, vocabularySize = 3000) {
  const words = []
  const seen = new Set()
  while (words.length < vocabularySize) {
    let w = ''
    const n = prng.between(1, 4)
    for (let i = 0; i < n; i++) w += prng.pick(SYLLABLES)
    if (!seen.has(w)) {
      seen.add(w)
      words.push(w)
    }
  }

  function line() {
    const indent = '  '.repeat(prng.int(4))
    const n = prng.between(2, 11)
    let s = indent
    for (let i = 0; i < n; i++) {
      // A Zipf-like skew: common words are much more common, as in real text.
      const u = prng.int(65536) / 65536
      s += (i === 0 ? '' : ' ') + words[Math.floor(u * u * words.length)]
    }
    return s + prng.pick(PUNCTUATION)
  }

  function lines(n) {
    const out = new Array(n)
    for (let i = 0; i < n; i++) out[i] = line()
    return out
  }

  const word = () => words[prng.int(words.length)]

  return { line, lines, word }
}
