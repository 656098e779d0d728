/**
 * Queues an account email after the response is decided (waitUntil): its
 * latency and failures never change what the client sees. `prepare` runs
 * first (it may commit a token), so the mail is enqueued only after that
 * commit; delivery is at least once (src/delivery/). Links are built from
 * PUBLIC_URL only, never from the request's Host.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/types";
import { mailMessage } from "../delivery/messages";
import { actionLink, renderMail } from "../mail";
import type { MailKind } from "../mail/types";

export interface Notice {
  kind: MailKind;
  to: string;
  fullName?: string | null;
  /** A one-time token for the kinds that carry a link. */
  token?: string;
}

const LINK_PATHS: Partial<Record<MailKind, "/auth/password/reset" | "/auth/email/verify">> = {
  password_reset: "/auth/password/reset",
  email_verification: "/auth/email/verify",
};

/** Queues the message; `prepare` may do deferred work first (e.g. issue the token). */
export function notify(c: Context<AppEnv>, prepare: () => Promise<Notice | undefined>): void {
  const deps = c.get("deps");
  deps.defer(
    (async () => {
      const notice = await prepare();
      if (!notice) return;
      const path = LINK_PATHS[notice.kind];
      const link = path && notice.token ? actionLink(deps.config.publicUrl, path, notice.token) : undefined;
      const message = renderMail(notice.kind, { to: notice.to, link, fullName: notice.fullName });
      await deps.outbox.send([mailMessage(message)]);
    })(),
  );
}
