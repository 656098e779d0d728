/**
 * GET /auth/login (Accept: text/html): email and password, then the TOTP or
 * recovery-code step when the login answers 401 mfa_required, or a passkey.
 * After a password sign-in without a passkey on the account, it offers to add
 * one. Every path ends at `next`. Tokens only ever travel in HttpOnly cookies
 * (cookie transport); the mfa_token stays in a script variable.
 */
import { pageScript } from "./client";
import { HostedLayout, withNext } from "./hosted-layout";
import { SIGN_IN_HELPERS } from "./sign-in-client";

const LOGIN_SCRIPT = pageScript(`${SIGN_IN_HELPERS}
const passwordStep = document.getElementById("password-step");
const mfaStep = document.getElementById("mfa-step");
const offerStep = document.getElementById("offer-step");
const form = document.getElementById("login-form");
const email = document.getElementById("email");
const password = document.getElementById("password");
const signIn = document.getElementById("sign-in");
const passkeyButton = document.getElementById("passkey");
const mfaForm = document.getElementById("mfa-form");
const code = document.getElementById("code");
const codeLabel = document.getElementById("code-label");
const mfaHint = document.getElementById("mfa-hint");
const toggle = document.getElementById("use-recovery");
let mfaToken = "";
let recovery = false;
function busy(on) {
  for (const el of [email, password, signIn, passkeyButton]) el.disabled = on;
}
function show(step, focus) {
  for (const s of [passwordStep, mfaStep, offerStep]) s.hidden = s !== step;
  if (focus) focus.focus();
}
if (!canPasskey) {
  passkeyButton.hidden = true;
  document.getElementById("or").hidden = true;
}
async function offerPasskey() {
  if (!canPasskey || !window.PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable) return go();
  let available = false;
  try { available = await window.PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(); } catch (e) { available = false; }
  if (!available) return go();
  const mine = await call("/auth/passkeys", undefined, "GET").catch(function () { return { status: 0 }; });
  if (mine.status !== 200 || !Array.isArray(mine.data.passkeys) || mine.data.passkeys.length > 0) return go();
  say("success", "You are signed in.");
  show(offerStep, document.getElementById("offer-title"));
}
function signedIn(answer) {
  password.value = "";
  code.value = "";
  return offerPasskey();
}
form.addEventListener("submit", async function (event) {
  event.preventDefault();
  invalid(email, false);
  invalid(password, false);
  busy(true);
  say("busy", "Signing in…");
  let answer;
  try {
    answer = await call("/auth/login", { email: email.value.trim(), password: password.value });
  } catch (e) {
    busy(false);
    return say("error", NETWORK_ERROR);
  }
  busy(false);
  if (answer.status === 200) return signedIn(answer);
  if (answer.data.code === "mfa_required" && typeof answer.data.mfa_token === "string") {
    mfaToken = answer.data.mfa_token;
    password.value = "";
    setRecovery(false);
    say("busy", "One more step: enter your authentication code.");
    return show(mfaStep, code);
  }
  if (answer.status === 422) {
    invalid(email, true);
    say("error", "Enter your email address and password.");
    return email.focus();
  }
  if (answer.data.code === "invalid_credentials") {
    invalid(password, true);
    say("error", explain(answer));
    return password.focus();
  }
  say("error", explain(answer));
});
function setRecovery(on) {
  recovery = on;
  code.value = "";
  codeLabel.textContent = on ? "Recovery code" : "Authentication code";
  mfaHint.textContent = on
    ? "Enter one of the recovery codes you saved when you turned on two-step sign-in. Each works once."
    : "Enter the 6-digit code from your authenticator app.";
  code.setAttribute("inputmode", on ? "text" : "numeric");
  code.setAttribute("autocomplete", on ? "off" : "one-time-code");
  toggle.textContent = on ? "Use an authenticator code instead" : "Use a recovery code instead";
}
toggle.addEventListener("click", function () {
  setRecovery(!recovery);
  code.focus();
});
document.getElementById("mfa-back").addEventListener("click", function () {
  mfaToken = "";
  say("", "");
  show(passwordStep, password);
});
mfaForm.addEventListener("submit", async function (event) {
  event.preventDefault();
  invalid(code, false);
  const value = code.value.replace(/\\s+/g, "");
  if (!value) {
    invalid(code, true);
    say("error", "Enter your code.");
    return code.focus();
  }
  const body = recovery ? { mfa_token: mfaToken, recovery_code: value } : { mfa_token: mfaToken, code: value };
  say("busy", "Checking your code…");
  let answer;
  try {
    answer = await call("/auth/login/mfa", body);
  } catch (e) {
    return say("error", NETWORK_ERROR);
  }
  if (answer.status === 200) return signedIn(answer);
  if (answer.data.code === "invalid_token") {
    mfaToken = "";
    say("error", explain(answer));
    return show(passwordStep, password);
  }
  invalid(code, true);
  say("error", explain(answer, recovery ? { invalid_code: "That recovery code didn't work. Check it and try again." } : {}));
  code.focus();
});
passkeyButton.addEventListener("click", async function () {
  busy(true);
  say("busy", "Waiting for your passkey…");
  let answer;
  try {
    answer = await passkeyAssertion();
  } catch (e) {
    busy(false);
    return say("error", NETWORK_ERROR);
  }
  busy(false);
  if (answer.status === 200) return go();
  if (answer.cancelled) return say("error", "Passkey sign-in was cancelled or timed out. Try again, or use your password.");
  say("error", explain(answer, { invalid_credentials: "That passkey didn't work. Try again, or sign in with your password." }));
});
document.getElementById("add-passkey").addEventListener("click", async function () {
  say("busy", "Follow your browser's prompt to create a passkey…");
  let answer;
  try {
    answer = await passkeyRegistration();
  } catch (e) {
    return say("error", NETWORK_ERROR);
  }
  if (answer.status === 201) {
    say("success", "Passkey added. Next time, choose “Sign in with a passkey”.");
    document.getElementById("add-passkey").hidden = true;
    const cont = document.getElementById("skip-passkey");
    cont.textContent = "Continue";
    return cont.focus();
  }
  if (answer.cancelled) return say("error", "No passkey was added. You can try again or continue.");
  say("error", explain(answer, { invalid_credentials: "Your device's passkey could not be checked. Try again or continue." }));
});
document.getElementById("skip-passkey").addEventListener("click", go);
`);

export interface LoginPageProps {
  nonce: string;
  next: string;
  theme: string;
}

/** Stable ids for browser tests: #email #password #sign-in #passkey #code #verify #use-recovery #add-passkey #skip-passkey. */
export function LoginPage({ nonce, next, theme }: LoginPageProps) {
  return (
    <HostedLayout title="Sign in" nonce={nonce} script={LOGIN_SCRIPT} next={next} theme={theme}>
      <section id="password-step" aria-label="Sign in with email and password">
        <form id="login-form" method="post" action="/auth/login">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username webauthn" required aria-describedby="status" />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="status" />
          <button id="sign-in" type="submit">
            Sign in
          </button>
        </form>
        <p id="or" class="or">
          or
        </p>
        <button id="passkey" type="button" class="secondary">
          Sign in with a passkey
        </button>
        <nav class="links" aria-label="Other options">
          <a href={withNext("/auth/password/forgot", next)}>Forgot your password?</a>
          <a href={withNext("/auth/register", next)}>Create an account</a>
        </nav>
      </section>
      <section id="mfa-step" hidden aria-label="Two-step verification">
        <form id="mfa-form" method="post" action="/auth/login/mfa">
          <p id="mfa-hint">Enter the 6-digit code from your authenticator app.</p>
          <label id="code-label" for="code">
            Authentication code
          </label>
          <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength={64} required aria-describedby="mfa-hint status" />
          <div class="stack">
            <button id="verify" type="submit">
              Verify
            </button>
            <button id="use-recovery" type="button" class="linklike">
              Use a recovery code instead
            </button>
            <button id="mfa-back" type="button" class="linklike">
              Back
            </button>
          </div>
        </form>
      </section>
      <section id="offer-step" hidden aria-labelledby="offer-title">
        <h2 id="offer-title" tabindex={-1}>
          Sign in faster next time
        </h2>
        <p>Add a passkey: next time you sign in with your fingerprint, face or device PIN instead of your password.</p>
        <div class="stack">
          <button id="add-passkey" type="button">
            Add a passkey
          </button>
          <button id="skip-passkey" type="button" class="secondary">
            Not now
          </button>
        </div>
      </section>
    </HostedLayout>
  );
}
