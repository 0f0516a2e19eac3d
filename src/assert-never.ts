// The end of every exhaustive `switch` over a union. The `never` parameter
// makes the compiler refuse a switch that forgets a member; the throw covers
// a value that escaped the type system at run time (a row read from disk, a
// cast).
export function assertNever(value: never, what: string): never {
  let shown: string
  try {
    shown = JSON.stringify(value) ?? String(value)
  } catch {
    shown = String(value)
  }
  throw new Error(`unhandled ${what}: ${shown}`)
}
