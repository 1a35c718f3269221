import { STATUS_CODES } from 'node:http';

/** The JSON body OpenStack services answer errors with. */
export interface OpenStackErrorBody {
  error: { code: number; title: string; message: string };
}

/**
 * An error that maps to an HTTP answer in OpenStack's shape:
 * `{"error": {"code": 404, "title": "Not Found", "message": "..."}}`.
 * Messages are shown to API users: they must never carry a token.
 */
export class OpenStackError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpenStackError';
    this.status = status;
    this.title = STATUS_CODES[status] ?? 'Error';
  }

  toBody(): OpenStackErrorBody {
    return { error: { code: this.status, title: this.title, message: this.message } };
  }
}
