// The benchmark's repositories, generated from a seed and cached in the work
// directory. A repository is regenerated only when the generator version or
// its spec changes, so a second run starts measuring within seconds.
//
//   <work>/fixtures-v<N>-<profile>/repos/bench/large.git   served: full clone figure
//   <work>/fixtures-v<N>-<profile>/repos/bench/small.git   served: small clone, info/refs, floods
//   <work>/fixtures-v<N>-<profile>/sources/push.git        client side of the ~200 MB push
//   <work>/fixtures-v<N>-<profile>/sources/huge.git        client side of the 1 GiB push (memory)
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createPrng } from './prng.mjs'
import { writeBlobHistory, writeHistory } from './history-writer.mjs'

/** Bump when the generator's output changes; old caches are then ignored. */
export const GENERATOR_VERSION = 1
const MiB = 1024 * 1024

const TEXT = {
  modules: 40,
  linesPerFile: [40, 400],
  editsPerCommit: [1, 5],
  hunksPerEdit: [1, 3],
  hunkDelete: [0, 12],
  hunkInsert: [0, 24],
  maxLines: 1200,
  newFileChance: 0.08,
  deleteFileChance: 0.01,
  branch: 'main',
}

export const PROFILES = {
  full: {
    large: { ...TEXT, commits: 6000, initialFiles: 1500, assetBytes: 230 * MiB, assetCount: 140 },
    small: { ...TEXT, modules: 3, commits: 5, initialFiles: 12, linesPerFile: [20, 120], assetBytes: 0, assetCount: 0 },
    push: { ...TEXT, commits: 3000, initialFiles: 800, assetBytes: 175 * MiB, assetCount: 100 },
    huge: { totalBytes: 1024 * MiB, blobBytes: 4 * MiB, perCommit: 32, branch: 'main' },
  },
  quick: {
    large: { ...TEXT, commits: 600, initialFiles: 200, assetBytes: 24 * MiB, assetCount: 20 },
    small: { ...TEXT, modules: 3, commits: 5, initialFiles: 12, linesPerFile: [20, 120], assetBytes: 0, assetCount: 0 },
    push: { ...TEXT, commits: 300, initialFiles: 100, assetBytes: 16 * MiB, assetCount: 12 },
    huge: { totalBytes: 128 * MiB, blobBytes: 4 * MiB, perCommit: 16, branch: 'main' },
  },
}

const specKey = (name, spec) =>
  createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, name, spec })).digest('hex').slice(0, 16)

async function generate({ dir, name, spec, kind, git, registry, log }) {
  const tmp = `${dir}.tmp`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  await git.must(['init', '--bare', '--quiet', '--initial-branch=main', tmp])
  // Incompressible assets are never delta candidates, as a .gitattributes
  // would arrange in a real repository with binaries; it keeps generation
  // and pushing from trying to diff random bytes.
  writeFileSync(join(tmp, 'info', 'attributes'), '*.bin -delta\n')
  await git.must(['-C', tmp, 'config', 'gc.auto', '0'])

  const started = performance.now()
  // Always a pack (fast-import writes loose objects below 100 of them). The
  // 1 GiB source is stored uncompressed: it is random, and the push then
  // copies it without zlib work on the client.
  const compression = ['-c', 'fastimport.unpackLimit=0', ...(kind === 'blobs' ? ['-c', 'core.compression=0', '-c', 'pack.compression=0'] : [])]
  const p = registry.start(
    'git',
    [...compression, '-C', tmp, 'fast-import', '--quiet', '--big-file-threshold=1m', '--done'],
    { env: git.env({}), stdio: ['pipe', 'ignore', 'pipe'] },
    'git fast-import',
  )
  let stderr = ''
  p.child.stderr.on('data', c => (stderr = (stderr + c).slice(-4000)))
  p.child.stdin.on('error', () => {}) // reported through the exit status below
  const prng = createPrng(`${name}:${GENERATOR_VERSION}`)
  let written
  try {
    written = kind === 'blobs' ? await writeBlobHistory(p.child.stdin, prng, spec) : await writeHistory(p.child.stdin, prng, spec)
  } finally {
    p.child.stdin.end()
  }
  const r = await p.done
  if (r.code !== 0) throw new Error(`git fast-import failed for ${name} (${r.code ?? r.signal}):\n${stderr}`)
  log(`  ${name}: history written in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  if (kind === 'text') {
    // fast-import's pack has almost no deltas; a real repository's pack does.
    const t = performance.now()
    await git.must(['-C', tmp, 'repack', '-a', '-d', '-f', '-q', '--window=10', '--depth=50'], { timeoutMs: 1_800_000 })
    log(`  ${name}: repacked in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  }
  const counts = Object.fromEntries(
    (await git.output(['-C', tmp, 'count-objects', '-v'])).split('\n').map(l => {
      const [k, v] = l.split(': ')
      return [k, Number(v)]
    }),
  )
  const stats = {
    name,
    commits: Number(await git.output(['-C', tmp, 'rev-list', '--count', 'main'])),
    objects: counts['in-pack'] + counts.count,
    packBytes: (counts['size-pack'] + counts.size) * 1024,
    assetBytes: written.assetBytes ?? written.bytes,
  }
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  return stats
}

/**
 * Make sure every fixture exists; returns where they are and their stats.
 * `git` is a git client (git-client.mjs), `registry` the process registry.
 */
export async function ensureFixtures({ workDir, profileName, git, registry, log }) {
  const profile = PROFILES[profileName]
  const root = join(workDir, `fixtures-v${GENERATOR_VERSION}-${profileName}`)
  const reposRoot = join(root, 'repos')
  const plan = [
    { name: 'small', kind: 'text', dir: join(reposRoot, 'bench', 'small.git') },
    { name: 'large', kind: 'text', dir: join(reposRoot, 'bench', 'large.git') },
    { name: 'push', kind: 'text', dir: join(root, 'sources', 'push.git') },
    { name: 'huge', kind: 'blobs', dir: join(root, 'sources', 'huge.git') },
  ]
  const stats = {}
  for (const item of plan) {
    const spec = profile[item.name]
    const key = specKey(item.name, spec)
    const marker = `${item.dir}.json`
    if (existsSync(marker) && existsSync(item.dir)) {
      const cached = JSON.parse(readFileSync(marker, 'utf8'))
      if (cached.key === key) {
        stats[item.name] = cached.stats
        continue
      }
    }
    log(`generating the ${item.name} repository (cached for later runs in ${root})`)
    mkdirSync(join(item.dir, '..'), { recursive: true })
    rmSync(marker, { force: true })
    const s = await generate({ ...item, spec, git, registry, log })
    writeFileSync(marker, JSON.stringify({ key, stats: s }, null, 2) + '\n')
    stats[item.name] = s
  }
  return {
    root,
    reposRoot,
    stats,
    served: { large: 'bench/large', small: 'bench/small', push: 'bench/push' },
    sources: { push: plan[2].dir, huge: plan[3].dir },
  }
}
