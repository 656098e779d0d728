/** The request id: the inbound `x-request-id` when it is a sane token, else a new one. */
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(inbound: string | null): string {
  return inbound !== null && SANE_ID.test(inbound) ? inbound : crypto.randomUUID();
}
