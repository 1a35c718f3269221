export { OptionError, rejectUnknownKeys, requireBoolean, requireInteger, requireMethods, requireObject, requireOneOf, requireString, withDefault } from './option-checks.js';
export { loggerOption, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { caOption } from './ca-option.js';
export { certificateFailure } from './certificate-failure.js';
