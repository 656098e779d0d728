/**
 * GET /auth/register (Accept: text/html): create an account. The JSON
 * endpoint answers the same 202 whether the email was new or taken, so the
 * page says the same thing either way: check your inbox, then sign in.
 */
import { pageScript } from "./client";
import { HostedLayout, withNext } from "./hosted-layout";
import { SIGN_IN_HELPERS } from "./sign-in-client";

const REGISTER_SCRIPT = pageScript(`${SIGN_IN_HELPERS}
const form = document.getElementById("register-form");
const name = document.getElementById("full-name");
const email = document.getElementById("email");
const password = document.getElementById("password");
const confirm = document.getElementById("confirm");
const submit = document.getElementById("create");
const done = document.getElementById("done");
function busy(on) {
  for (const el of [name, email, password, confirm, submit]) el.disabled = on;
}
form.addEventListener("submit", async function (event) {
  event.preventDefault();
  for (const el of [email, password, confirm]) invalid(el, false);
  if (password.value !== confirm.value) {
    invalid(confirm, true);
    say("error", "The two passwords do not match.");
    return confirm.focus();
  }
  const body = { email: email.value.trim(), password: password.value };
  if (name.value.trim()) body.full_name = name.value.trim();
  busy(true);
  say("busy", "Creating your account…");
  let answer;
  try {
    answer = await call("/auth/register", body);
  } catch (e) {
    busy(false);
    return say("error", NETWORK_ERROR);
  }
  if (answer.status === 202) {
    password.value = "";
    confirm.value = "";
    form.hidden = true;
    done.hidden = false;
    say("success", "Check your email: we sent a message to " + body.email + ". Then sign in.");
    return document.getElementById("sign-in-link").focus();
  }
  busy(false);
  if (answer.data.code === "weak_password") {
    invalid(password, true);
    say("error", explain(answer));
    return password.focus();
  }
  if (answer.status === 422) {
    invalid(email, true);
    say("error", "Enter a valid email address and a password.");
    return email.focus();
  }
  say("error", explain(answer, { rate_limited: "Too many new accounts from this device. Try again in " + waitText(answer.retryAfter) + "." }));
});
`);

export interface RegisterPageProps {
  nonce: string;
  next: string;
  theme: string;
}

/** Stable ids: #full-name #email #password #confirm #create #sign-in-link. */
export function RegisterPage({ nonce, next, theme }: RegisterPageProps) {
  return (
    <HostedLayout title="Create an account" nonce={nonce} script={REGISTER_SCRIPT} next={next} theme={theme}>
      <form id="register-form" method="post" action="/auth/register">
        <label for="full-name">Name (optional)</label>
        <input id="full-name" name="full_name" type="text" autocomplete="name" maxlength={200} />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required aria-describedby="status" />
        <label for="password">Password</label>
        <p id="password-hint" class="hint">
          At least 8 characters: a long passphrase, or a mix of upper and lower case letters, digits and symbols.
        </p>
        <input id="password" name="password" type="password" autocomplete="new-password" minlength={8} required aria-describedby="password-hint status" />
        <label for="confirm">Confirm password</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength={8} required aria-describedby="status" />
        <button id="create" type="submit">
          Create account
        </button>
      </form>
      <p id="done" hidden>
        Once your address is confirmed, you can sign in.
      </p>
      <nav class="links" aria-label="Other options">
        <a id="sign-in-link" href={withNext("/auth/login", next)}>
          Sign in instead
        </a>
      </nav>
    </HostedLayout>
  );
}
