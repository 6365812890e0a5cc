export * from './issueState';
export { retentionSchema, DEFAULT_RETENTION, type RetentionConfig } from './retentionSchema';
