/**
 * Holds every /auth response the integration suite receives to the schema
 * the OpenAPI document gives for it (the same valibot objects): a status the
 * endpoint does not document, a body that does not match, or an error code
 * not listed for that status fails the test that received it.
 */
import * as v from "valibot";
import { problemSchema } from "../../src/openapi/components";
import { describedRoutes, errorStatuses, type RouteDoc } from "../../src/openapi/describe";

function pattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/:[A-Za-z_]+/g, "[^/]+")}/?$`);
}

function findDoc(method: string, path: string): RouteDoc | undefined {
  const m = method.toLowerCase();
  return describedRoutes().find((d) => d.method === m && pattern(d.path).test(path));
}

/** Throws a readable error when `res` does not match what its route documents. */
export async function assertConforms(req: Request, res: Response): Promise<void> {
  const path = new URL(req.url).pathname;
  const doc = findDoc(req.method, path);
  if (!doc) return; // not a documented operation (404, 405, OPTIONS, the proxy)
  const where = `${req.method} ${path} → ${res.status}`;
  const success = doc.success[res.status];
  const errorCodes = errorStatuses(doc).get(res.status);
  if (!success && !errorCodes) throw new Error(`undocumented status: ${where}`);
  const type = res.headers.get("content-type") ?? "";
  if (success) {
    if (success.html) {
      if (!type.startsWith("text/html")) throw new Error(`expected an HTML page: ${where} (${type})`);
      return;
    }
    if (!success.schema) {
      if ((await res.clone().text()) !== "") throw new Error(`expected an empty body: ${where}`);
      return;
    }
    if (!type.startsWith("application/json")) throw new Error(`expected JSON: ${where} (${type})`);
    const result = v.safeParse(success.schema, await res.clone().json());
    if (!result.success) throw new Error(`body does not match the documented schema: ${where}: ${v.summarize(result.issues)}`);
    return;
  }
  if (!type.startsWith("application/problem+json")) throw new Error(`expected problem+json: ${where} (${type})`);
  const result = v.safeParse(problemSchema(errorCodes), await res.clone().json());
  if (!result.success) throw new Error(`problem does not match the documented schema: ${where}: ${v.summarize(result.issues)}`);
}
