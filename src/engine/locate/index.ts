export { locateFailure, type FailureLocation, type LocateOptions } from './locate';
