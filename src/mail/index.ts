/** Picks the configured mail transport. */
import type { Config } from "../config";
import { logTransport } from "./log-transport";
import type { Mailer } from "./types";

export function createMailer(config: Config): Mailer {
  switch (config.mailTransport) {
    default:
      return logTransport();
  }
}
