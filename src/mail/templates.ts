/**
 * The account emails: subject, plain text and HTML for each MailKind.
 * Every interpolated value is HTML-escaped in the HTML body; links are built
 * by the caller from PUBLIC_URL only (see `actionLink`), never from a request.
 */
import { escapeHtml } from "./html";
import type { MailKind, MailMessage } from "./types";

export interface MailInput {
  to: string;
  /** The action link; required for `email_verification` and `password_reset`. */
  link?: string;
  fullName?: string | null;
  /** The product name shown in the mail; default "TDAH Assistant". */
  appName?: string;
}

export type ActionPath = "/auth/password/reset" | "/auth/email/verify" | "/auth/email/change";

const DEFAULT_APP_NAME = "TDAH Assistant";
const LINK_KINDS: ReadonlySet<MailKind> = new Set(["email_verification", "password_reset", "email_change"]);
const HTTP_LINK = /^https?:\/\//i;

/**
 * The link a mail carries: `${publicUrl}${path}#token=<encoded token>`. The
 * token rides in the fragment, which browsers never send: it reaches no
 * server log, no Workers Logs invocation record and no link scanner's GET;
 * the page behind the path reads it in the browser (src/pages/client.ts).
 *
 * @example
 * actionLink("https://auth.example.com", "/auth/password/reset", token);
 * // "https://auth.example.com/auth/password/reset#token=..."
 */
export function actionLink(publicUrl: string, path: ActionPath, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${path}#token=${encodeURIComponent(token)}`;
}

/** One paragraph of the body; `{link}` marks where the action link goes. */
type Paragraph = string;

interface Template {
  subject: (app: string) => string;
  paragraphs: (app: string) => Paragraph[];
  action?: string;
}

const LINK = "{link}";

const TEMPLATES: Record<MailKind, Template> = {
  email_verification: {
    subject: (app) => `Verify your email for ${app}`,
    paragraphs: (app) => [
      `Please confirm that this is your email address for your ${app} account.`,
      LINK,
      "The link works once and expires in 24 hours. If you did not create an account, you can ignore this message.",
    ],
    action: "Verify my email",
  },
  password_reset: {
    subject: (app) => `Reset your ${app} password`,
    paragraphs: (app) => [
      `Someone asked to reset the password of your ${app} account. To choose a new password, open this link:`,
      LINK,
      "The link works once and expires in 30 minutes. If you did not ask for this, ignore this message: your password stays the same.",
    ],
    action: "Choose a new password",
  },
  account_exists: {
    subject: (app) => `Someone tried to sign up for ${app} with your email`,
    paragraphs: (app) => [
      `Someone tried to create a new ${app} account with this email address, but you already have one.`,
      "If this was you, log in or reset your password. If it was not you, you can ignore this message: nothing has changed.",
    ],
  },
  password_changed: {
    subject: (app) => `Your ${app} password was changed`,
    paragraphs: (app) => [
      `The password of your ${app} account was just changed.`,
      "If you did this, there is nothing more to do. If you did not, reset your password right away.",
    ],
  },
  email_change: {
    subject: (app) => `Confirm your new email for ${app}`,
    paragraphs: (app) => [
      `Someone asked to use this address for their ${app} account. To confirm it, open this link:`,
      LINK,
      "The link works once and expires in 30 minutes. If you did not ask for this, ignore this message: nothing changes.",
    ],
    action: "Confirm my new email",
  },
  email_change_requested: {
    subject: (app) => `A change of your ${app} email was requested`,
    paragraphs: (app) => [
      `Someone signed in to your ${app} account asked to move it to another email address. It changes only once the link sent to the new address is opened.`,
      "If this was you, there is nothing more to do. If it was not, change your password right away: your account stays on this address.",
    ],
  },
  passkey_added: {
    subject: (app) => `A passkey was added to your ${app} account`,
    paragraphs: (app) => [
      `A new passkey was just added to your ${app} account. It can sign in without your password.`,
      "If you did this, there is nothing more to do. If you did not, remove it from your account's passkeys and reset your password right away.",
    ],
  },
  mfa_enabled: {
    subject: (app) => `Two-step verification is on for your ${app} account`,
    paragraphs: (app) => [
      `Two-step verification with an authenticator app was just turned on for your ${app} account. Every other session was signed out.`,
      "Keep your recovery codes somewhere safe: each one signs you in once if you lose your device. If you did not do this, reset your password right away.",
    ],
  },
  mfa_disabled: {
    subject: (app) => `Two-step verification is off for your ${app} account`,
    paragraphs: (app) => [
      `Two-step verification was just turned off for your ${app} account, and its recovery codes no longer work.`,
      "If you did not do this, reset your password right away and turn two-step verification on again.",
    ],
  },
  recovery_code_used: {
    subject: (app) => `A recovery code was used to sign in to ${app}`,
    paragraphs: (app) => [
      `One of your recovery codes was just used to sign in to your ${app} account; it will not work again.`,
      "If this was you, consider making a new set of recovery codes. If it was not, reset your password right away.",
    ],
  },
};

function greeting(fullName: string | null | undefined): string {
  const name = fullName?.trim();
  return name ? `Hi ${name},` : "Hi,";
}

function textBody(greet: string, paragraphs: Paragraph[], link: string | undefined, app: string): string {
  const lines = paragraphs.map((p) => (p === LINK ? (link ?? "") : p));
  return [greet, ...lines, `— ${app}`].join("\n\n") + "\n";
}

function htmlBody(
  greet: string,
  paragraphs: Paragraph[],
  link: string | undefined,
  action: string | undefined,
  app: string,
  subject: string,
): string {
  const blocks = paragraphs.map((p) => {
    if (p !== LINK) return `<p>${escapeHtml(p)}</p>`;
    const href = escapeHtml(link ?? "");
    return (
      `<p><a href="${href}" style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#ffffff;` +
      `text-decoration:none;border-radius:6px">${escapeHtml(action ?? "Open link")}</a></p>` +
      `<p style="font-size:13px;color:#555555">If the button does not work, copy this address into your browser:<br>` +
      `<span style="word-break:break-all">${href}</span></p>`
    );
  });
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:system-ui,-apple-system,'Segoe UI',sans-serif;line-height:1.5;color:#111111">` +
    `<p>${escapeHtml(greet)}</p>${blocks.join("")}<p>— ${escapeHtml(app)}</p></body></html>`
  );
}

/**
 * Renders one account email.
 *
 * @example
 * const link = actionLink(config.publicUrl, "/auth/email/verify", token);
 * await mailer.send(renderMail("email_verification", { to: user.email, link, fullName: user.fullName }));
 */
export function renderMail(kind: MailKind, input: MailInput): MailMessage {
  const template = TEMPLATES[kind];
  const app = input.appName?.trim() || DEFAULT_APP_NAME;
  const needsLink = LINK_KINDS.has(kind);
  if (needsLink && (!input.link || !HTTP_LINK.test(input.link))) {
    throw new TypeError(`renderMail: ${kind} needs an http(s) link`);
  }
  const link = needsLink ? input.link : undefined;
  const subject = template.subject(app);
  const paragraphs = template.paragraphs(app);
  const greet = greeting(input.fullName);
  const message: MailMessage = {
    kind,
    to: input.to,
    subject,
    text: textBody(greet, paragraphs, link, app),
    html: htmlBody(greet, paragraphs, link, template.action, app, subject),
  };
  if (link) message.link = link;
  return message;
}
