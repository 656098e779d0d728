/** A Mailer that keeps what it is given, for reading the links tests must follow. */
import type { MailMessage, Mailer } from "../../src/mail/types";

export interface Mailbox extends Mailer {
  messages: MailMessage[];
  /** The token of the newest message of `kind` to `to`. */
  tokenFor(to: string, kind: MailMessage["kind"]): string;
}

export function mailbox(): Mailbox {
  const messages: MailMessage[] = [];
  return {
    messages,
    async send(m) {
      messages.push(m);
    },
    tokenFor(to, kind) {
      const m = [...messages].reverse().find((x) => x.to === to && x.kind === kind);
      const url = m?.link ? new URL(m.link) : undefined;
      // Links carry the token in the fragment (#token=); older ones in the query.
      const token = url ? (new URLSearchParams(url.hash.slice(1)).get("token") ?? url.searchParams.get("token")) : null;
      if (!token) throw new Error(`no ${kind} mail to ${to}`);
      return token;
    },
  };
}
