/**
 * GET /auth/password/reset?token=… : a form for a new password. The token is
 * read by the script from the address (never rendered into the HTML) and
 * dropped from it; only the form's POST of `{token, password}` to the JSON
 * endpoint spends it (204 done, 400 invalid_token, 422 weak_password).
 */
import { Layout, type PageProps } from "./layout";
import { pageScript } from "./client";

const RESET_SCRIPT = pageScript(`
const token = takeToken();
const form = document.getElementById("reset-form");
const password = document.getElementById("password");
const confirm = document.getElementById("confirm");
const submit = document.getElementById("submit");
function lock(locked) {
  password.disabled = locked;
  confirm.disabled = locked;
  submit.disabled = locked;
}
function invalid(input, on) {
  if (on) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}
if (!token) {
  lock(true);
  say("error", "This link is missing its reset token. Open the link from your email again, or ask for a new one.");
} else {
  lock(false);
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    invalid(password, false);
    invalid(confirm, false);
    if (password.value !== confirm.value) {
      invalid(confirm, true);
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
      say("success", "Password changed. You can now log in.");
      return;
    }
    if (answer.status === 400 || (answer.data && answer.data.code === "invalid_token")) {
      say("error", sentence(problemText(answer.data, "This reset link is not valid.")) + " Ask for a new password reset email.");
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
}
`);

/** The reset form; ids #password, #confirm, #submit and #status are stable for browser tests. */
export function ResetPasswordPage({ nonce }: PageProps) {
  return (
    <Layout title="Choose a new password" nonce={nonce} script={RESET_SCRIPT}>
      <p class="hint">
        Use at least 8 characters: a long passphrase, or a mix of upper and lower case letters, digits and symbols.
      </p>
      <form id="reset-form" method="post" action="/auth/password/reset">
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
