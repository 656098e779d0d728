/** The one error the client throws for a gateway answer that is not a success. */
import type { ErrorCode, Problem } from "./types";

export class AuthError extends Error {
  readonly status: number;
  /** The problem's `code`; "unknown" when the answer was not problem details (a proxy's HTML error page). */
  readonly code: ErrorCode | "unknown";
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined) {
    super(problem?.detail ?? problem?.title ?? `The gateway answered ${status}`);
    this.name = "AuthError";
    this.status = status;
    this.code = problem?.code ?? (status >= 500 ? "internal_error" : "unknown");
    this.problem = problem;
  }
}

/** The problem details of a response, or undefined when its body is not one (read from a clone). */
export async function problemOf(res: Response): Promise<Problem | undefined> {
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("json")) return undefined;
  try {
    const body = (await res.clone().json()) as unknown;
    if (typeof body === "object" && body !== null && typeof (body as Problem).code === "string") return body as Problem;
  } catch {
    // not JSON after all
  }
  return undefined;
}
