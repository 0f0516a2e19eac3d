// The copy of a request body into git's stdin: every byte in order, the
// end passed on, backpressure kept, pieces of one event-loop turn in one
// write, and a stop that leaves the body paused.
import t from 'tap'
import { PassThrough, Writable } from 'node:stream'
import { setImmediate as turn } from 'node:timers/promises'
import { pumpBody } from '../../src/backend/body-pump.js'

/** A stdin whose writes complete only when the test lets them (git reading). */
function slowStdin(): { stdin: Writable; writes: Buffer[][]; release: () => void; ended: () => boolean } {
  const writes: Buffer[][] = []
  const waiting: Array<() => void> = []
  let ended = false
  const stdin = new Writable({
    highWaterMark: 16 * 1024,
    writev(chunks, callback) {
      writes.push(chunks.map(c => c.chunk as Buffer))
      waiting.push(() => callback())
    },
    final(callback) {
      ended = true
      callback()
    },
  })
  return {
    stdin,
    writes,
    release: () => {
      for (const w of waiting.splice(0)) w()
    },
    ended: () => ended,
  }
}

t.test('copies every byte in order and ends stdin', async t => {
  const body = new PassThrough()
  const out: Buffer[] = []
  const stdin = new PassThrough()
  stdin.on('data', (c: Buffer) => out.push(c))
  const ended = new Promise(resolve => stdin.once('end', resolve))
  pumpBody(body, stdin)
  const expected: Buffer[] = []
  for (let i = 0; i < 200; i++) {
    const chunk = Buffer.alloc(1000 + i, i)
    expected.push(chunk)
    body.write(chunk)
    if (i % 7 === 0) await turn()
  }
  body.end()
  await ended
  t.same(Buffer.concat(out), Buffer.concat(expected))
})

t.test('the pieces of one turn leave in one write; the body waits while git has not taken it', async t => {
  const body = new PassThrough()
  const git = slowStdin()
  pumpBody(body, git.stdin)
  body.write(Buffer.from('a'))
  body.write(Buffer.from('b'))
  body.write(Buffer.from('c'))
  await turn()
  await turn()
  t.equal(git.writes.length, 1, 'one write for the turn')
  t.same(Buffer.concat(git.writes[0] ?? []).toString(), 'abc')
  t.ok(body.isPaused(), 'held while git has not taken the write')
  body.write(Buffer.from('d'))
  await turn()
  t.equal(git.writes.length, 1, 'nothing more is written meanwhile')
  git.release()
  await turn()
  await turn()
  t.same(git.writes.map(w => Buffer.concat(w).toString()), ['abc', 'd'], 'the rest goes once git took the first write')
  git.release()
  body.end()
  await turn()
  await turn()
  t.ok(git.ended(), 'stdin ended with the body')
})

t.test('once git has taken the held write, the body resumes at once', async t => {
  const body = new PassThrough()
  const git = slowStdin()
  pumpBody(body, git.stdin)
  body.write(Buffer.from('x'))
  await turn()
  await turn()
  t.ok(body.isPaused(), 'held while git has not taken the write')
  git.release()
  await turn()
  t.notOk(body.isPaused(), 'resumed as soon as git took it')
})

t.test('stop: nothing more is written and the body stays paused', async t => {
  const body = new PassThrough()
  const out: Buffer[] = []
  const stdin = new PassThrough()
  stdin.on('data', (c: Buffer) => out.push(c))
  const pump = pumpBody(body, stdin)
  body.write(Buffer.from('one'))
  await turn()
  await turn()
  pump.stop()
  body.write(Buffer.from('two'))
  body.end()
  await turn()
  await turn()
  t.equal(Buffer.concat(out).toString(), 'one')
  t.ok(body.isPaused())
  t.notOk(stdin.writableEnded, 'stdin is not ended for a body that was not copied whole')
})

t.test('git closing its stdin stops the copy', async t => {
  const body = new PassThrough()
  const stdin = new PassThrough()
  pumpBody(body, stdin)
  stdin.destroy()
  await turn()
  body.write(Buffer.from('late'))
  await turn()
  t.ok(body.isPaused())
})

t.test('a body that has already ended ends stdin at once', async t => {
  const body = new PassThrough()
  body.end()
  body.resume()
  await new Promise(resolve => body.once('end', resolve))
  const stdin = new PassThrough()
  pumpBody(body, stdin)
  t.ok(stdin.writableEnded)
})
