// The fact removeProject is conditioned on, checked the same way by every
// engine: the unrevoked tokens bound to the project are exactly the ones the
// use case read, and it only asks to revoke some of those.
import type { ProjectRemovalPlan } from './store.js'

export function planStillHolds(unrevokedNow: readonly string[], plan: ProjectRemovalPlan): boolean {
  const now = new Set(unrevokedNow)
  const expected = new Set(plan.expectedUnrevoked)
  if (now.size !== expected.size || ![...expected].every(id => now.has(id))) return false
  return plan.revoke.every(r => expected.has(r.id))
}
