import pino, { type Logger as PinoLogger } from 'pino';

/** Where a token could hide in a log record: redacted whatever a caller of the logger passes. */
const REDACT = [
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers["x-service-token"]',
  'req.headers.cookie',
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  'headers["x-service-token"]',
  'headers.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
];

/** Structured JSON logs (pino): level names, ISO times, token-bearing fields redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '<redacted>' },
    },
    destination,
  );
}
