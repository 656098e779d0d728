/** The development transport: the message, link included, goes to the log. */
import { log } from "../log";
import type { Mailer } from "./types";

export function logTransport(): Mailer {
  return {
    async send(message) {
      // The link is the point of this transport (a developer follows it); it is
      // only used with MAIL_TRANSPORT=log, which README marks as development-only.
      console.log(
        JSON.stringify({
          level: "info",
          event: "mail",
          kind: message.kind,
          to: message.to,
          subject: message.subject,
          link: message.link,
          text: message.text,
        }),
      );
      log("info", "mail.sent", { kind: message.kind, transport: "log" });
    },
  };
}
