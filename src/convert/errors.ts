// Errors on the data path: made in unified form, answered in the caller's own protocol shape.
import type { ErrorKind, UnifiedError } from "../unified/index.ts";
import type { MappingSet, ProtocolName } from "../mapping/load.ts";
import { clipForRedaction } from "../config/secrets.ts";
import { isRedirect, redirectMessage } from "../protocols/upstream.ts";

export function unifiedError(status: number, message: string, param?: string, kind?: ErrorKind): UnifiedError {
  return { status, kind: kind ?? kindForStatus(status), message, param };
}

/** @see https://docs.anthropic.com/en/api/errors — the closed set every protocol's table maps from. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401) return "authentication";
  if (status === 403) return "permission";
  if (status === 404) return "not_found";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit";
  if (status === 529 || status === 503) return "overloaded";
  if (status === 504 || status === 408) return "timeout";
  if (status >= 400 && status < 500) return "invalid_request";
  return "api_error";
}

/** The status an error event carries no status for, by its kind: what the client would have got as a reply. */
export function statusForKind(kind: ErrorKind | undefined): number {
  switch (kind) {
    case "rate_limit":
      return 429;
    case "overloaded":
      return 529;
    case "timeout":
      return 504;
    case "invalid_request":
      return 400;
    case "request_too_large":
      return 413;
    default:
      return 502; // an upstream's own fault, or its refusal of its key: the proxy's problem, not the client's
  }
}

export function errorResponse(mappings: MappingSet, client: ProtocolName, e: UnifiedError): Response {
  const body = mappings[client].spec["error.encode"].run(e, {});
  return Response.json(body, { status: e.status });
}

/**
 * An upstream's error reply in unified form. A provider's refusal of its own key is the proxy's
 * problem, not the client's: it becomes a 502 so the client does not think its access key is wrong.
 */
export function upstreamError(
  mappings: MappingSet,
  protocol: ProtocolName,
  status: number,
  text: string,
  where: string,
): UnifiedError {
  let decoded: { kind?: ErrorKind; message?: string; param?: string } = {};
  try {
    decoded = mappings[protocol].spec["error.decode"].run(JSON.parse(text), {}) ?? {};
  } catch {
    decoded = { message: clipForRedaction(text.trim(), 300) || `HTTP ${status}` };
  }
  const message = `${where}: ${decoded.message ?? `HTTP ${status}`}`;
  if (status === 401 || status === 403) return unifiedError(502, `${message} (the provider refused the proxy's key)`, undefined, "api_error");
  return unifiedError(status, message, decoded.param, settleKind(status, decoded.kind));
}

/** Kinds an upstream's body may name within a broad status: a 500 that says "overloaded", a 400 "too large". */
const REFINES: Partial<Record<ErrorKind, ErrorKind[]>> = {
  invalid_request: ["request_too_large", "not_found", "rate_limit"],
  api_error: ["overloaded", "timeout", "rate_limit"],
};

/** The status decides the kind, so the client never sees a 429 typed as a server error. */
function settleKind(status: number, said: ErrorKind | undefined): ErrorKind {
  const byStatus = kindForStatus(status);
  return said && REFINES[byStatus]?.includes(said) ? said : byStatus;
}

/** An upstream's redirect as the fault it is (upstreamFetch follows none), or undefined for any other answer. */
export function redirectError(res: Response, where: string): UnifiedError | undefined {
  if (!isRedirect(res.status)) return undefined;
  res.body?.cancel().catch(() => {});
  return unifiedError(502, `${where}: ${redirectMessage(res)}`);
}

/** Failures worth another target or key: rate limits, overload, server faults. */
export function isRetryable(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
