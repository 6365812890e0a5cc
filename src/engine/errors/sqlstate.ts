import type { Category, Severity } from './types';

/**
 * PostgreSQL SQLSTATEs Rebound classifies (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * every class, by its generic code (the class followed by `000`), and the codes inside a class
 * that change what to do (retry or not, which file to fix). A SQLSTATE not listed falls back to
 * its class. Rebound's code for a SQLSTATE is `RB-PG-` followed by it (`RB-PG-23505`).
 */
export const PG_SQLSTATES = [
  // One generic code per class.
  '00000', '01000', '02000', '03000', '08000', '09000', '0A000', '0B000', '0F000', '0L000', '0P000', '0Z000',
  '20000', '21000', '22000', '23000', '24000', '25000', '26000', '27000', '28000', '2B000', '2D000', '2F000',
  '34000', '38000', '39000', '3B000', '3D000', '3F000', '40000', '42000', '44000', '53000', '54000', '55000',
  '57000', '58000', '72000', 'F0000', 'HV000', 'P0000', 'XX000',
  // Codes inside a class that need their own handling.
  '08P01',
  '22001', '22012', '22P02',
  '23502', '23503', '23505', '23514', '23P01',
  '25001', '25006', '25P02', '25P03',
  '28P01',
  '2BP01',
  '40001', '40P01',
  '42501', '42601', '42701', '42703', '42883', '42P01', '42P07',
  '53100', '53200', '53300',
  '54001',
  '55006', '55P03',
  '57014', '57P01', '57P02', '57P03',
  'P0001', 'P0004',
  'XX001',
] as const;

export type PgSqlState = (typeof PG_SQLSTATES)[number];
export type PgCode = `RB-PG-${PgSqlState}`;

export interface SqlStateInfo {
  /** The condition name from the PostgreSQL errcodes appendix. */
  condition: string;
  category: Category;
  severity: Severity;
  retryable: boolean;
}

const t = (condition: string, category: Category, severity: Severity, retryable = category === 'transient'): SqlStateInfo => ({ condition, category, severity, retryable });

/** What each listed SQLSTATE is: its condition name and how Rebound classifies it. */
export const SQLSTATES: Readonly<Record<PgSqlState, SqlStateInfo>> = {
  '00000': t('successful_completion', 'permanent', 'LOW'),
  '01000': t('warning', 'permanent', 'LOW'),
  '02000': t('no_data', 'permanent', 'MEDIUM'),
  '03000': t('sql_statement_not_yet_complete', 'permanent', 'MEDIUM'),
  '08000': t('connection_exception', 'transient', 'MEDIUM'),
  '08P01': t('protocol_violation', 'permanent', 'HIGH'),
  '09000': t('triggered_action_exception', 'permanent', 'HIGH'),
  '0A000': t('feature_not_supported', 'permanent', 'HIGH'),
  '0B000': t('invalid_transaction_initiation', 'permanent', 'HIGH'),
  '0F000': t('locator_exception', 'permanent', 'MEDIUM'),
  '0L000': t('invalid_grantor', 'permanent', 'HIGH'),
  '0P000': t('invalid_role_specification', 'permanent', 'HIGH'),
  '0Z000': t('diagnostics_exception', 'permanent', 'MEDIUM'),
  '20000': t('case_not_found', 'permanent', 'HIGH'),
  '21000': t('cardinality_violation', 'business', 'HIGH'),
  '22000': t('data_exception', 'permanent', 'HIGH'),
  '22001': t('string_data_right_truncation', 'business', 'HIGH'),
  '22012': t('division_by_zero', 'permanent', 'HIGH'),
  '22P02': t('invalid_text_representation', 'permanent', 'HIGH'),
  '23000': t('integrity_constraint_violation', 'business', 'HIGH'),
  '23502': t('not_null_violation', 'business', 'HIGH'),
  '23503': t('foreign_key_violation', 'business', 'HIGH'),
  '23505': t('unique_violation', 'business', 'HIGH'),
  '23514': t('check_violation', 'business', 'HIGH'),
  '23P01': t('exclusion_violation', 'business', 'HIGH'),
  '24000': t('invalid_cursor_state', 'permanent', 'MEDIUM'),
  '25000': t('invalid_transaction_state', 'permanent', 'HIGH'),
  '25001': t('active_sql_transaction', 'permanent', 'HIGH'),
  '25006': t('read_only_sql_transaction', 'permanent', 'HIGH'),
  '25P02': t('in_failed_sql_transaction', 'permanent', 'HIGH'),
  '25P03': t('idle_in_transaction_session_timeout', 'transient', 'MEDIUM'),
  '26000': t('invalid_sql_statement_name', 'permanent', 'HIGH'),
  '27000': t('triggered_data_change_violation', 'permanent', 'HIGH'),
  '28000': t('invalid_authorization_specification', 'permanent', 'HIGH'),
  '28P01': t('invalid_password', 'permanent', 'HIGH'),
  '2B000': t('dependent_privilege_descriptors_still_exist', 'permanent', 'HIGH'),
  '2BP01': t('dependent_objects_still_exist', 'permanent', 'HIGH'),
  '2D000': t('invalid_transaction_termination', 'permanent', 'HIGH'),
  '2F000': t('sql_routine_exception', 'permanent', 'HIGH'),
  '34000': t('invalid_cursor_name', 'permanent', 'MEDIUM'),
  '38000': t('external_routine_exception', 'permanent', 'HIGH'),
  '39000': t('external_routine_invocation_exception', 'permanent', 'HIGH'),
  '3B000': t('savepoint_exception', 'permanent', 'HIGH'),
  '3D000': t('invalid_catalog_name', 'permanent', 'HIGH'),
  '3F000': t('invalid_schema_name', 'permanent', 'HIGH'),
  '40000': t('transaction_rollback', 'transient', 'MEDIUM'),
  '40001': t('serialization_failure', 'transient', 'MEDIUM'),
  '40P01': t('deadlock_detected', 'transient', 'MEDIUM'),
  '42000': t('syntax_error_or_access_rule_violation', 'permanent', 'HIGH'),
  '42501': t('insufficient_privilege', 'permanent', 'HIGH'),
  '42601': t('syntax_error', 'permanent', 'HIGH'),
  '42701': t('duplicate_column', 'permanent', 'HIGH'),
  '42703': t('undefined_column', 'permanent', 'HIGH'),
  '42883': t('undefined_function', 'permanent', 'HIGH'),
  '42P01': t('undefined_table', 'permanent', 'HIGH'),
  '42P07': t('duplicate_table', 'permanent', 'HIGH'),
  '44000': t('with_check_option_violation', 'business', 'HIGH'),
  '53000': t('insufficient_resources', 'system', 'HIGH'),
  '53100': t('disk_full', 'system', 'CRITICAL'),
  '53200': t('out_of_memory', 'system', 'HIGH'),
  '53300': t('too_many_connections', 'system', 'HIGH', true),
  '54000': t('program_limit_exceeded', 'permanent', 'HIGH'),
  '54001': t('statement_too_complex', 'permanent', 'HIGH'),
  '55000': t('object_not_in_prerequisite_state', 'permanent', 'MEDIUM'),
  '55006': t('object_in_use', 'transient', 'MEDIUM'),
  '55P03': t('lock_not_available', 'transient', 'MEDIUM'),
  '57000': t('operator_intervention', 'transient', 'MEDIUM'),
  '57014': t('query_canceled', 'transient', 'MEDIUM'),
  '57P01': t('admin_shutdown', 'transient', 'MEDIUM'),
  '57P02': t('crash_shutdown', 'transient', 'HIGH'),
  '57P03': t('cannot_connect_now', 'transient', 'MEDIUM'),
  '58000': t('system_error', 'system', 'HIGH'),
  '72000': t('snapshot_too_old', 'transient', 'MEDIUM'),
  'F0000': t('config_file_error', 'system', 'HIGH'),
  'HV000': t('fdw_error', 'permanent', 'HIGH'),
  'P0000': t('plpgsql_error', 'permanent', 'HIGH'),
  'P0001': t('raise_exception', 'business', 'HIGH'),
  'P0004': t('assert_failure', 'permanent', 'HIGH'),
  'XX000': t('internal_error', 'system', 'CRITICAL'),
  'XX001': t('data_corrupted', 'system', 'CRITICAL'),
};

/** Rebound's code for a listed SQLSTATE. */
export const pgCode = (sqlstate: PgSqlState): PgCode => `RB-PG-${sqlstate}`;

export const PG_CODES: readonly PgCode[] = PG_SQLSTATES.map(pgCode);

/** The SQLSTATE classes PostgreSQL defines (the first two characters of a SQLSTATE). */
export const PG_CLASSES: ReadonlySet<string> = new Set(PG_SQLSTATES.filter((s) => s.endsWith('000')).map((s) => s.slice(0, 2)));

/**
 * Whether `code` is a SQLSTATE of a class PostgreSQL defines: five digits or upper-case letters,
 * at least one a digit (so Node's EPIPE or EPERM never pass), in a known class.
 */
export function isSqlState(code: string): boolean {
  return code.length === 5 && /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code) && PG_CLASSES.has(code.slice(0, 2));
}
