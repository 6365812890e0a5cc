export { EventPreparer, headlineFor, type EventPreparerOptions, type IssueDescription, type PreparedEvent, type PreparedRow, type RecordInput } from './prepare';
