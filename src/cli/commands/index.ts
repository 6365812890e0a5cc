import type { CliCommand } from '../command';
import { errorsCommand } from './errors';
import { healthCommand } from './health';
import { dlqCommand } from './dlq';
import { migrateCommand } from './migrate';

/** Every `rebound` command, in the order `rebound help` lists them. */
export const COMMANDS: CliCommand[] = [
  errorsCommand,
  healthCommand,
  dlqCommand,
  migrateCommand,
];
