export * from './text';
export { tokenize, identifierOf, type Token, type TokenKind } from './tokenizer';
export { splitStatements, type SqlStatement, type SplitResult, type SplitProblem } from './splitter';
export { parseMigrationFileName, formatMigrationFileName, type MigrationFileName } from './fileName';
export { parseMigration, type ParsedMigration, type MigrationSection, type SectionMarker, type MarkerKind } from './sections';
export { migrationChecksum, upChecksum, canonicalStatement, canonicalSql, canonicalTokens } from './checksum';
export {
  describeStatement,
  nonTransactionalReason,
  isDestructive,
  isSchemaNeutral,
  inverseStatement,
  type StatementInfo,
  type StatementKind,
  type NameRef,
} from './statements';
export { schemaHash, schemaHashOfKeys, SchemaHasher, schemaKey, schemaEntries, canonicalSchemaSql, type SchemaObject, type SchemaHashOptions } from './schemaHash';
export { defineMigration, joinStatements, type MigrationDefinition, type NonTransactionalStatement } from './definition';
export { partialEntries, type AppliedMigration, type JournalEntry, type JournalState, type RunRecord } from './history';
export * from './status';
export {
  analyzeMigrationFile,
  unrestoredDestructive,
  FINDING_CODES,
  type FindingCode,
  type FindingSeverity,
  type MigrationFinding,
  type QuickFixKind,
  type AppliedFileInfo,
} from './analysis';
export {
  buildDownSkeletonFix,
  buildRestoreAppliedFix,
  buildMarkNoTransactionFix,
  buildMoveToNoTransactionFix,
  buildRemoveStatementFix,
  quickFixesFor,
  applyTextEdits,
  type QuickFix,
  type QuickFixContext,
} from './quickFixes';
export { databaseSchema, databasesSchema, migrationLockSchema, migrationSnapshotsSchema, postgresUrlProblem, ENV_REFERENCE, type DatabaseConfig } from './configSchema';
export { failedStatementIndex, locateMigrationFailure, type MigrationFailureLocation } from './failureLocation';
