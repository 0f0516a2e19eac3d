// Advisory lock keys (two-int form). 0x67776172 is "gwar": a class id other
// programs sharing the database are unlikely to pick.
export const MIGRATION_LOCK = Object.freeze({ classId: 0x67776172, objectId: 1 })
/**
 * Held by every administrative write for its transaction: administrative
 * changes on every instance happen one at a time, as SQLite's single writer
 * makes them happen, so a check and the write it guards cannot interleave
 * with another change. The request path never takes it.
 */
export const ADMIN_WRITE_LOCK = Object.freeze({ classId: 0x67776172, objectId: 2 })
/**
 * Held by the last-used recorder's batch transaction: instances writing the
 * same tokens' recent addresses take turns. Administrative writes do not
 * wait for it, nor it for them.
 */
export const TOKEN_USE_LOCK = Object.freeze({ classId: 0x67776172, objectId: 3 })
