import t from 'tap'
import { connect } from 'node:net'
import { startGitward } from '../helpers/gitward.js'

t.test('probe slow', async t => {
  const h = await startGitward(t, { config: { headers_timeout_ms: '1000' } })
  const port = h.app.port
  const start = Date.now()
  await new Promise<void>(resolve => {
    const s = connect(port, '127.0.0.1')
    const msg = 'GET /acme/app.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100)
    let i = 0
    const timer = setInterval(() => { if (!s.destroyed) s.write(msg[i++ % msg.length]!) }, 300)
    s.on('data', d => console.error('data', Date.now() - start, d.toString().split('\r\n')[0]))
    s.on('close', () => { clearInterval(timer); console.error('closed after', Date.now() - start); resolve() })
    s.on('error', () => {})
    setTimeout(() => { s.destroy() }, 45000)
  })
})
