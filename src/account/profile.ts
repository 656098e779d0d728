/**
 * PATCH /auth/me: `{"full_name": string | null}`. The name is NFKC-normalised
 * and trimmed; at most 200 code points; an empty one is stored as null.
 */
import type { Context } from "hono";
import { updateFullName } from "../db/repositories/account";
import { GatewayError, validationError } from "../errors";
import { readJsonObject } from "../http/body";
import { MAX_NAME_CODE_POINTS, parseBody } from "../http/schema";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { requirePrincipal } from "../auth/authenticate";
import { userJson } from "../auth/user-json";
import { UpdateProfileBody } from "./schemas";

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/** A valid display name, normalised; throws 422 otherwise. */
export function parseFullName(body: Record<string, unknown>): string | null {
  const raw = parseBody(body, UpdateProfileBody).full_name;
  if (raw === null) return null;
  const bad = (message: string) => validationError([{ field: "full_name", message }]);
  if (!raw.isWellFormed()) throw bad(`must be at most ${MAX_NAME_CODE_POINTS} characters`);
  const name = raw.normalize("NFKC").trim();
  if (CONTROL_RE.test(name)) throw bad("must not contain control characters");
  if ([...name].length > MAX_NAME_CODE_POINTS) throw bad(`must be at most ${MAX_NAME_CODE_POINTS} characters`);
  return name === "" ? null : name;
}

export async function updateProfileHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const principal = await requirePrincipal(c);
  const fullName = parseFullName(await readJsonObject(c.req.raw));
  const userId = Number(principal.userId);
  const user = Number.isSafeInteger(userId) ? await updateFullName(deps.db(), userId, fullName, new Date(deps.now())) : undefined;
  if (!user) throw new GatewayError("invalid_token", "The access token is invalid");
  audit(c, "profile_updated", { userId });
  return c.json({ user: userJson(user) }, 200, { "cache-control": "no-store" });
}
