/**
 * The audit row of a non-lifecycle write: moved to the application layer
 * (services/audit-records.ts); re-exported for the resolvers that still write directly.
 */
export { recordAudit, snapshot, type AuditEntry } from '../../services/audit-records.ts';
