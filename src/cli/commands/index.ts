import type { CliCommand } from '../command';

/** Every `rebound` command, in the order `rebound help` lists them. */
export const COMMANDS: CliCommand[] = [];
