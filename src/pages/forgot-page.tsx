/**
 * GET /auth/password/forgot (Accept: text/html): ask for a reset link. The
 * JSON endpoint answers 202 whether or not the address has an account, and
 * so does the page's message.
 */
import { pageScript } from "./client";
import { HostedLayout, withNext } from "./hosted-layout";
import { SIGN_IN_HELPERS } from "./sign-in-client";

const FORGOT_SCRIPT = pageScript(`${SIGN_IN_HELPERS}
const form = document.getElementById("forgot-form");
const email = document.getElementById("email");
const submit = document.getElementById("send");
form.addEventListener("submit", async function (event) {
  event.preventDefault();
  invalid(email, false);
  email.disabled = true;
  submit.disabled = true;
  say("busy", "Sending…");
  let answer;
  try {
    answer = await call("/auth/password/forgot", { email: email.value.trim() });
  } catch (e) {
    answer = null;
  }
  email.disabled = false;
  submit.disabled = false;
  if (!answer) return say("error", NETWORK_ERROR);
  if (answer.status === 202) {
    return say("success", "If an account uses that address, we sent it a link to choose a new password. The link works for 30 minutes.");
  }
  if (answer.status === 422) {
    invalid(email, true);
    say("error", "Enter a valid email address.");
    return email.focus();
  }
  say("error", explain(answer));
});
`);

export interface ForgotPageProps {
  nonce: string;
  next: string;
  theme: string;
}

/** Stable ids: #email #send. */
export function ForgotPasswordPage({ nonce, next, theme }: ForgotPageProps) {
  return (
    <HostedLayout title="Reset your password" nonce={nonce} script={FORGOT_SCRIPT} next={next} theme={theme}>
      <p class="hint">Enter the email address of your account. We will send you a link to choose a new password.</p>
      <form id="forgot-form" method="post" action="/auth/password/forgot">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required aria-describedby="status" />
        <button id="send" type="submit">
          Send reset link
        </button>
      </form>
      <nav class="links" aria-label="Other options">
        <a href={withNext("/auth/login", next)}>Back to sign in</a>
      </nav>
    </HostedLayout>
  );
}
