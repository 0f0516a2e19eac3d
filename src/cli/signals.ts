// The process signals `serve` reacts to, behind an interface so tests can
// send them without touching the test runner's own process.
export type Signal = 'SIGTERM' | 'SIGINT' | 'SIGHUP'

export interface SignalSource {
  on(signal: Signal, handler: () => void): void
  off(signal: Signal, handler: () => void): void
}

export const processSignals: SignalSource = {
  on: (s, h) => void process.on(s, h),
  off: (s, h) => void process.off(s, h),
}
