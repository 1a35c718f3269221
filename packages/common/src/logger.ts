import { requireMethods } from './option-checks.js';

/**
 * The logging the k2k middlewares do: pino's signature (fields first, then the message), so a pino
 * logger plugs in as it is. Fields never carry a token.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The default: say nothing. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A middleware's `logger` option: anything with pino's four methods, or silence when absent. */
export function loggerOption(value: unknown, option: string): Logger {
  return value === undefined ? silentLogger : requireMethods<Logger>(value, option, ['debug', 'info', 'warn', 'error'], 'a logger with debug, info, warn and error methods (a pino logger works)');
}
