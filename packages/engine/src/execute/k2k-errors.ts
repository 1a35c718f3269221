import { KeystoneError } from '@k2k/keystone';
import { OpenStackError } from '@k2k/common';

/** Which side of the K2K exchange a Keystone call went to. */
export type ExchangeStep = 'assertion' | 'service provider' | 'scope';

/**
 * Turns a Keystone failure during the K2K exchange into the answer for the caller, naming the
 * service provider (never a token): an unknown SP is the caller's mistake (400); an SP that cannot
 * be reached or whose certificate fails verification is 502, one too slow 504; a refusal keeps
 * Keystone's 4xx status; a failing Keystone (5xx, nonsense) is 502.
 */
export function exchangeError(error: unknown, step: ExchangeStep, serviceProvider: string, project?: string): unknown {
  if (!(error instanceof KeystoneError)) return error;
  const where = step === 'assertion' ? 'the local Keystone' : `service provider ${serviceProvider}`;
  switch (error.failure) {
    case 'unreachable':
      return new OpenStackError(502, `Could not reach ${where} for the K2K exchange.`, { cause: error });
    case 'certificate':
      return new OpenStackError(502, `Could not reach ${where} for the K2K exchange: ${error.message}.`, { cause: error });
    case 'timeout':
      return new OpenStackError(504, `${capitalize(where)} did not answer in time during the K2K exchange.`, { cause: error });
    case 'malformed':
      return new OpenStackError(502, `${capitalize(where)} gave a malformed answer during the K2K exchange: ${error.message}`, { cause: error });
    case 'refused':
      if (step === 'assertion' && error.status === 404 && error.message.startsWith('Could not find Service Provider')) {
        return new OpenStackError(400, `Unknown service provider "${serviceProvider}".`, { cause: error });
      }
      if (step === 'scope' && error.status === 401) {
        return new OpenStackError(403, `Project ${project ?? ''} is not available to you at service provider ${serviceProvider}.`, { cause: error });
      }
      if (error.status >= 500) return new OpenStackError(502, `${capitalize(where)} failed during the K2K exchange (HTTP ${error.status}).`, { cause: error });
      return new OpenStackError(error.status, `${capitalize(where)} refused the K2K exchange: ${error.message}`, { cause: error });
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
