/**
 * The `log` transport: the message goes to the log. In development the link
 * is included (it is how a developer follows a reset or verification link);
 * in production a token must never reach a log, so only the kind, recipient
 * and subject are written.
 */
import { log } from "../log";
import type { Mailer } from "./types";

export function logTransport(options: { revealLinks: boolean }): Mailer {
  return {
    async send(message) {
      const line: Record<string, unknown> = {
        level: "info",
        event: "mail",
        kind: message.kind,
        to: message.to,
        subject: message.subject,
      };
      if (options.revealLinks) {
        line.link = message.link;
        line.text = message.text;
      }
      console.log(JSON.stringify(line));
      log("info", "mail.sent", { kind: message.kind, transport: "log" });
    },
  };
}
