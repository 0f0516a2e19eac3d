// Parses Prometheus exposition text with the reference Python client's parser
// (Debian python3-prometheus-client), not with our own code: a page that only
// our own reader understood would prove nothing about what Prometheus sees.
import { execFile, execFileSync } from 'node:child_process'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  type: string
  help: string
  samples: Sample[]
}

export type Exposition = Record<string, Family>

const PYTHON = '/usr/bin/python3'

const SCRIPT = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for f in text_string_to_metric_families(sys.stdin.read()):
    out[f.name] = {'type': f.type, 'help': f.documentation, 'samples': [
        {'name': s.name, 'labels': s.labels, 'value': (None if math.isnan(s.value) else s.value)} for s in f.samples]}
json.dump(out, sys.stdout)
`

/** Why the parser cannot run here, or null when it can. */
export function prometheusParserMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' })
    return null
  } catch {
    return `${PYTHON} with prometheus_client is not installed (Debian: apt-get install python3-prometheus-client)`
  }
}

export function parseExposition(text: string): Promise<Exposition> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-c', SCRIPT], { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`the Prometheus parser refused the text: ${stderr || error.message}`))
      else resolve(JSON.parse(stdout) as Exposition)
    })
    child.stdin?.end(text)
  })
}

/** The value of one sample (0 when absent); `labels` must match exactly the given keys. */
export function sample(e: Exposition, family: string, name: string, labels: Record<string, string> = {}): number {
  const f = e[family]
  if (f === undefined) return 0
  const keys = Object.keys(labels)
  const s = f.samples.find(x => x.name === name && keys.every(k => x.labels[k] === labels[k]))
  return s?.value ?? 0
}

/** Sum of every sample `name` of `family` whose labels include `labels`. */
export function sum(e: Exposition, family: string, name: string, labels: Record<string, string> = {}): number {
  const f = e[family]
  if (f === undefined) return 0
  return f.samples
    .filter(x => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((a, x) => a + x.value, 0)
}
