/**
 * GET /auth/password/reset#token=… (or, for links mailed before tokens moved
 * to the fragment, ?token=…): a form for a new password. The token is read by
 * the script from the address (never rendered into the HTML) and dropped from
 * it. Before the person types, the page asks POST /auth/password/reset/check
 * whether the link still works (it spends nothing): a used, superseded or
 * expired link says so at once, with a link to ask for a new one. Only the
 * form's POST of `{token, password}` to the JSON endpoint spends it (204 done,
 * 400 invalid_token, 422 weak_password); success offers the sign-in page.
 */
import { Layout, type PageProps } from "./layout";
import { pageScript } from "./client";

const RESET_SCRIPT = pageScript(`
const token = takeToken();
const form = document.getElementById("reset-form");
const username = document.getElementById("username");
const password = document.getElementById("password");
const confirm = document.getElementById("confirm");
const submit = document.getElementById("submit");
const SIGN_IN = "/auth/login";
const ASK_AGAIN = "/auth/password/forgot";
let mismatchShown = false;
function lock(locked) {
  password.disabled = locked;
  confirm.disabled = locked;
  submit.disabled = locked;
}
function invalid(input, on) {
  if (on) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
function deadLink(data) {
  lock(true);
  say("error", sentence(problemText(data, "This reset link is not valid.")) + " Ask for a new password reset email.");
  showNext(ASK_AGAIN, "Ask for a new reset link");
}
function clearMismatch() {
  if (!mismatchShown) return;
  mismatchShown = false;
  invalid(confirm, false);
  say("", "");
}
async function checkLink() {
  lock(true);
  say("busy", "Checking your link…");
  let answer;
  try {
    answer = await postJson("/auth/password/reset/check", { token: token });
  } catch (e) {
    answer = null;
  }
  if (answer && (answer.status === 400 || (answer.data && answer.data.code === "invalid_token"))) {
    deadLink(answer.data);
    return;
  }
  if (answer && answer.status === 200 && answer.data && typeof answer.data.email === "string") {
    username.value = answer.data.email;
  }
  // Valid, or the check could not tell (offline, rate limited): the form decides on submit.
  say("", "");
  lock(false);
  password.focus();
}
if (!token) {
  lock(true);
  say("error", "This link is missing its reset token. Open the link from your email again, or ask for a new one.");
  showNext(ASK_AGAIN, "Ask for a new reset link");
} else {
  password.addEventListener("input", clearMismatch);
  confirm.addEventListener("input", clearMismatch);
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    invalid(password, false);
    invalid(confirm, false);
    if (password.value !== confirm.value) {
      invalid(confirm, true);
      mismatchShown = true;
      say("error", "The two passwords do not match.");
      confirm.focus();
      return;
    }
    lock(true);
    say("busy", "Changing your password…");
    let answer;
    try {
      answer = await postJson("/auth/password/reset", { token: token, password: password.value });
    } catch (e) {
      lock(false);
      say("error", NETWORK_ERROR);
      return;
    }
    if (answer.status === 204) {
      password.value = "";
      confirm.value = "";
      say("success", "Password changed. You can now sign in with your new password.");
      showNext(SIGN_IN, "Sign in");
      return;
    }
    if (answer.status === 400 || (answer.data && answer.data.code === "invalid_token")) {
      deadLink(answer.data);
      return;
    }
    lock(false);
    if (answer.status === 422) {
      invalid(password, true);
      say("error", problemText(answer.data, "Choose a stronger password."));
      password.focus();
      return;
    }
    say("error", problemText(answer.data, "Something went wrong. Try again in a moment."));
  });
  checkLink();
}
`);

/** The reset form; ids #username, #password, #confirm, #submit, #status and #next-link are stable for browser tests. */
export function ResetPasswordPage({ nonce }: PageProps) {
  return (
    <Layout title="Choose a new password" nonce={nonce} script={RESET_SCRIPT}>
      <p class="hint">
        Use at least 8 characters: a long passphrase, or a mix of upper and lower case letters, digits and symbols.
      </p>
      <form id="reset-form" method="post" action="/auth/password/reset">
        {/* For password managers: the account the new password belongs to (filled by the link check). */}
        <input id="username" name="username" type="email" autocomplete="username" hidden readonly tabindex={-1} />
        <label for="password">New password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minlength={8}
          required
          disabled
          aria-describedby="status"
        />
        <label for="confirm">Confirm new password</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autocomplete="new-password"
          minlength={8}
          required
          disabled
          aria-describedby="status"
        />
        <button id="submit" type="submit" disabled>
          Change password
        </button>
      </form>
    </Layout>
  );
}
