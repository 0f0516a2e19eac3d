// Drives wrk (HTTP load generator) and reads its report. Credentials reach
// wrk through a file named in the environment, never its command line, and a
// small Lua script counts response statuses so a flood's 401s and 503s can be
// told apart.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

// Static request: the Authorization value (if any) is read once per thread,
// so wrk keeps its pre-built request and measures the server, not Lua.
const STATIC_LUA = `
local name = os.getenv("GITWARD_BENCH_AUTH_FILE")
if name ~= nil and name ~= "" then
  local f = assert(io.open(name, "r"))
  wrk.headers["Authorization"] = f:read("*l")
  f:close()
end
wrk.headers["Git-Protocol"] = "version=2"
`

// Cycling request: one Authorization value per line of the file, each
// thread starting at a different place; every status is counted.
const CYCLING_LUA = `
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  reqs = {}
  counts = {}
  local file = os.getenv("GITWARD_BENCH_AUTH_FILE")
  if file == nil or file == "" then
    reqs[1] = wrk.format("GET", wrk.path, { ["Git-Protocol"] = "version=2" })
  else
    for line in io.lines(file) do
      reqs[#reqs + 1] = wrk.format("GET", wrk.path, { ["Authorization"] = line, ["Git-Protocol"] = "version=2" })
    end
  end
  idx = ((tid or 1) * 7919) % #reqs
end
function request()
  idx = idx % #reqs + 1
  return reqs[idx]
end
function response(status, headers, body)
  local k = tostring(status)
  counts[k] = (counts[k] or 0) + 1
end
function done(summary, latency, requests)
  local agg = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    if c ~= nil then
      for k, v in pairs(c) do agg[k] = (agg[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(agg) do parts[#parts + 1] = string.format('"%s":%d', k, v) end
  io.write("GITWARD_STATUS {" .. table.concat(parts, ",") .. "}\\n")
end
`

export function writeWrkScripts(dir) {
  const files = { static: join(dir, 'static.lua'), cycling: join(dir, 'cycling.lua') }
  writeFileSync(files.static, STATIC_LUA)
  writeFileSync(files.cycling, CYCLING_LUA)
  return files
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
function durationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
  return m === null ? null : Number(m[1]) * UNIT_MS[m[2]]
}

/** The numbers we use from wrk's text report. */
export function parseWrk(text) {
  const num = re => {
    const m = re.exec(text)
    return m === null ? null : Number(m[1])
  }
  const pct = p => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(text)
    return m === null ? null : durationMs(m[1])
  }
  const requests = num(/(\d+) requests in/)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const status = /GITWARD_STATUS (\{.*\})/.exec(text)
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50ms: pct(50),
    p99ms: pct(99),
    requests,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) ?? 0,
    socketErrors: socket === null ? null : { connect: +socket[1], read: +socket[2], write: +socket[3], timeout: +socket[4] },
    statuses: status === null ? null : JSON.parse(status[1]),
  }
}

/**
 * One wrk run. `authFile` holds one Authorization value per line (or is
 * undefined: no credentials). Resolves the parsed report plus the raw text.
 */
export async function runWrk({ registry, wrk, url, script, authFile, connections = 16, threads = 2, durationS = 10, timeoutS = 10 }) {
  const args = [`-c${connections}`, `-t${threads}`, `-d${durationS}s`, '--latency', '--timeout', `${timeoutS}s`, '-s', script, url]
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GITWARD_BENCH_AUTH_FILE: authFile ?? '' }
  const p = registry.start(wrk, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }, 'wrk')
  let out = ''
  p.child.stdout.on('data', c => (out += c.toString('utf8')))
  p.child.stderr.on('data', c => (out += c.toString('utf8')))
  // Bounded: wrk stops itself after durationS; this is the backstop.
  const timer = setTimeout(() => p.child.kill('SIGKILL'), (durationS + timeoutS + 30) * 1000)
  const r = await p.done
  clearTimeout(timer)
  if (r.code !== 0) throw new Error(`wrk failed (${r.code ?? r.signal}):\n${out.slice(-2000)}`)
  const parsed = parseWrk(out)
  if (parsed.rps === null) throw new Error(`cannot read wrk's report:\n${out.slice(-2000)}`)
  return { ...parsed, raw: out }
}
