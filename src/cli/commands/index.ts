import type { CliCommand } from '../command';
import { errorsCommand } from './errors';
import { healthCommand } from './health';
import { dlqCommand } from './dlq';
import { migrateCommand } from './migrate';
import { recoveryCommand } from './recovery';
import { runCommand } from './run';

/** Every `rebound` command, in the order `rebound help` lists them. */
export const COMMANDS: CliCommand[] = [
  runCommand,
  recoveryCommand,
  errorsCommand,
  healthCommand,
  dlqCommand,
  migrateCommand,
];
