/**
 * Every database call goes through `guardDb`: a driver or server failure
 * becomes a DependencyError (503 `service_unavailable`), whose message never
 * carries SQL, a host name or a credential.
 */
import { DependencyError, GatewayError } from "../errors";

export async function guardDb<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new DependencyError("database", err);
  }
}
