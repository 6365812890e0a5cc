export { locateInOutput, type OutputLocation, type LocateOptions } from './locate';
