/** What the UI needs to tell a person about a failed call, whatever produced the failure. */
export interface ApiErrorInfo {
  /** HTTP status; 0 when no response arrived at all. */
  status: number;
  code: string;
  message: string;
  requestId: string | null;
}

export class ApiError extends Error {
  readonly info: ApiErrorInfo;

  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.info = info;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Validation errors list what was wrong; the messages are worth showing next to the summary. */
function detailMessages(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details
    .map((detail) => (isRecord(detail) ? nonEmptyString(detail.message) : nonEmptyString(detail)))
    .filter((message): message is string => message !== null);
}

export function fallbackMessage(status: number): string {
  if (status === 0) return "Can't reach the server. Check your connection and try again.";
  if (status === 502 || status === 503 || status === 504) {
    return `The todo service is unavailable right now (HTTP ${status}). Please try again in a moment.`;
  }
  if (status === 404) return 'That todo no longer exists (HTTP 404).';
  if (status === 429) return 'Too many requests (HTTP 429). Please wait a moment and try again.';
  if (status >= 500) return `The server ran into a problem (HTTP ${status}).`;
  return `The request failed (HTTP ${status}).`;
}

/**
 * The API answers errors as {"error":{code,message,requestId,details?}}; nginx answers a dead
 * upstream with whatever body it has (HTML on a bare 502), so every field has a fallback and the
 * X-Request-Id header stands in for a missing requestId.
 */
export function parseErrorResponse(status: number, bodyText: string, requestIdHeader: string | null): ApiErrorInfo {
  const body = parseJson(bodyText);
  const error = isRecord(body) && isRecord(body.error) ? body.error : null;
  const summary = nonEmptyString(error?.message) ?? fallbackMessage(status);
  const details = detailMessages(error?.details).filter((detail) => detail !== summary);
  return {
    status,
    code: nonEmptyString(error?.code) ?? `HTTP_${status}`,
    message: details.length > 0 ? `${summary}: ${details.join('; ')}` : summary,
    requestId: nonEmptyString(error?.requestId) ?? nonEmptyString(requestIdHeader),
  };
}

export function networkError(): ApiErrorInfo {
  return { status: 0, code: 'NETWORK_ERROR', message: fallbackMessage(0), requestId: null };
}

export function toErrorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof ApiError) return error.info;
  const message = error instanceof Error && error.message ? error.message : 'Something went wrong.';
  return { status: 0, code: 'CLIENT_ERROR', message, requestId: null };
}
