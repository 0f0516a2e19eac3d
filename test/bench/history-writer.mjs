// Writes a synthetic but realistic history as a `git fast-import` stream:
// a tree of text files under module directories, edited a few hunks at a
// time over thousands of commits (files added and removed now and then), plus
// incompressible binary assets spread through history. Everything comes from
// the seeded PRNG, so the same spec always gives the same commits and ids.
import { once } from 'node:events'
import { createCorpus } from './text-corpus.mjs'

const FLUSH_BYTES = 1 << 20
const AUTHORS = Array.from({ length: 24 }, (_, i) => `Dev ${String.fromCharCode(65 + (i % 26))}${i} <dev${i}@bench.invalid>`)
const EPOCH = 1_600_000_000

/** Buffered writes to a stream, waiting for 'drain' so memory stays flat. */
function bufferedWriter(out) {
  let parts = []
  let size = 0
  async function flush() {
    if (size === 0) return
    const chunk = Buffer.concat(parts)
    parts = []
    size = 0
    if (!out.write(chunk)) await once(out, 'drain')
  }
  async function write(data) {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    parts.push(buf)
    size += buf.length
    if (size >= FLUSH_BYTES) await flush()
  }
  return { write, flush }
}

/**
 * spec: {
 *   commits, initialFiles, modules, linesPerFile: [lo, hi], editsPerCommit: [lo, hi],
 *   hunksPerEdit: [lo, hi], hunkDelete: [lo, hi], hunkInsert: [lo, hi], maxLines,
 *   newFileChance, deleteFileChance, assetBytes, assetCount, branch
 * }
 * Returns { commits, assetBytes, textFiles }.
 */
export async function writeHistory(out, prng, spec) {
  const w = bufferedWriter(out)
  const corpus = createCorpus(prng)
  const files = new Map() // path -> lines
  const paths = [] // for picking; holes are compacted on delete
  const modules = Array.from({ length: spec.modules }, (_, i) => `${corpus.word()}-${i}`)
  let serial = 0
  const newPath = () => `src/${prng.pick(modules)}/${prng.pick(['core', 'util', 'io', 'model', 'view', 'test'])}/${corpus.word()}_${serial++}.txt`
  const content = lines => lines.join('\n') + '\n'

  // Assets land on evenly spaced commits (with jitter), sizes around the mean.
  const assetAt = new Map()
  if (spec.assetCount > 0) {
    const mean = spec.assetBytes / spec.assetCount
    let left = spec.assetBytes
    for (let k = 0; k < spec.assetCount; k++) {
      const raw = Math.floor(((k + prng.int(100) / 100) * spec.commits) / spec.assetCount)
      const slot = Math.min(spec.commits - 1, Math.max(1, raw))
      const size = Math.max(1024, k === spec.assetCount - 1 ? left : Math.round(mean * (0.5 + prng.int(1000) / 1000)))
      left -= size
      assetAt.set(slot, (assetAt.get(slot) ?? 0) + size)
    }
  }
  const assets = []
  let assetBytes = 0

  await w.write('feature done\n')
  for (let c = 0; c < spec.commits; c++) {
    const ops = [] // [path, Buffer|string|null]
    if (c === 0) {
      for (let i = 0; i < spec.initialFiles; i++) {
        const p = newPath()
        files.set(p, corpus.lines(prng.between(...spec.linesPerFile)))
        paths.push(p)
        ops.push([p, null])
      }
    } else {
      const edits = prng.between(...spec.editsPerCommit)
      for (let e = 0; e < edits; e++) {
        const p = prng.pick(paths)
        const lines = files.get(p)
        const hunks = prng.between(...spec.hunksPerEdit)
        for (let h = 0; h < hunks; h++) {
          const at = prng.int(lines.length + 1)
          const del = Math.min(prng.between(...spec.hunkDelete), lines.length - at)
          lines.splice(at, del, ...corpus.lines(prng.between(...spec.hunkInsert)))
        }
        // Files stay within bounds, as real files are split when they grow.
        if (lines.length > spec.maxLines) lines.splice(prng.int(spec.maxLines / 2), lines.length - spec.maxLines)
        if (lines.length === 0) lines.push(corpus.line())
        ops.push([p, null])
      }
      if (prng.chance(spec.newFileChance)) {
        const p = newPath()
        files.set(p, corpus.lines(prng.between(...spec.linesPerFile)))
        paths.push(p)
        ops.push([p, null])
      }
      if (paths.length > spec.initialFiles / 2 && prng.chance(spec.deleteFileChance)) {
        const i = prng.int(paths.length)
        const p = paths[i]
        if (!ops.some(([q]) => q === p)) {
          paths[i] = paths[paths.length - 1]
          paths.pop()
          files.delete(p)
          ops.push([p, 'delete'])
        }
      }
      const assetSize = assetAt.get(c)
      if (assetSize !== undefined) {
        // Now and then a new version of an existing asset, as with images.
        const p = assets.length > 0 && prng.chance(0.3) ? prng.pick(assets) : `assets/${prng.pick(modules)}/${corpus.word()}_${serial++}.bin`
        if (!assets.includes(p)) assets.push(p)
        ops.push([p, prng.bytes(assetSize)])
        assetBytes += assetSize
      }
    }

    const author = prng.pick(AUTHORS)
    const when = EPOCH + c * 3600 + prng.int(3000)
    const subject = `${corpus.word()}: ${corpus.line().trim()}`
    const body = prng.chance(0.4) ? `\n\n${corpus.lines(prng.between(1, 6)).join('\n')}\n` : '\n'
    const message = Buffer.from(subject + body, 'utf8')
    await w.write(`commit refs/heads/${spec.branch}\nauthor ${author} ${when} +0000\ncommitter ${author} ${when} +0000\ndata ${message.length}\n`)
    await w.write(message)
    await w.write('\n')
    // The same path twice in one commit: the last write wins, as in git.
    for (const [p, data] of ops) {
      if (data === 'delete') {
        await w.write(`D ${p}\n`)
        continue
      }
      const bytes = data === null ? Buffer.from(content(files.get(p)), 'utf8') : data
      await w.write(`M 100644 inline ${p}\ndata ${bytes.length}\n`)
      await w.write(bytes)
      await w.write('\n')
    }
    await w.write('\n')
  }
  await w.write('done\n')
  await w.flush()
  return { commits: spec.commits, assetBytes, textFiles: files.size }
}

/** A history of large incompressible blobs only (for the memory figure). */
export async function writeBlobHistory(out, prng, { totalBytes, blobBytes, perCommit, branch }) {
  const w = bufferedWriter(out)
  await w.write('feature done\n')
  let written = 0
  let c = 0
  while (written < totalBytes) {
    const when = EPOCH + c * 3600
    const message = `assets batch ${c}\n`
    await w.write(`commit refs/heads/${branch}\nauthor Bench <bench@bench.invalid> ${when} +0000\ncommitter Bench <bench@bench.invalid> ${when} +0000\ndata ${message.length}\n${message}\n`)
    for (let i = 0; i < perCommit && written < totalBytes; i++) {
      const size = Math.min(blobBytes, totalBytes - written)
      await w.write(`M 100644 inline blobs/${c}/${i}.bin\ndata ${size}\n`)
      // Written in pieces, so a large blob never sits in memory whole.
      for (let done = 0; done < size; ) {
        const n = Math.min(1 << 20, size - done)
        await w.write(prng.bytes(n))
        done += n
      }
      await w.write('\n')
      written += size
    }
    await w.write('\n')
    c++
  }
  await w.write('done\n')
  await w.flush()
  return { commits: c, bytes: written }
}
