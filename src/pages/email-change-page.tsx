/**
 * GET /auth/email/change#token=… : one button. Opening the link (or a mail
 * scanner prefetching it) spends nothing; the button's POST of `{token}` to
 * the JSON endpoint does (200 changed, 400 invalid_token, 409 conflict). The
 * token is read from the fragment (or, for older links, `?token=`), never
 * rendered, and dropped from the address.
 */
import { Layout, type PageProps } from "./layout";
import { pageScript } from "./client";

const CHANGE_SCRIPT = pageScript(`
function fragmentToken() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("token") || "";
  if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
  return token;
}
const token = fragmentToken() || takeToken();
const button = document.getElementById("confirm");
if (!token) {
  button.disabled = true;
  say("error", "This link is missing its confirmation token. Open the link from your email again, or ask for a new one.");
} else {
  button.disabled = false;
  button.addEventListener("click", async function () {
    button.disabled = true;
    say("busy", "Confirming your new email…");
    let answer;
    try {
      answer = await postJson("/auth/email/change/confirm", { token: token });
    } catch (e) {
      button.disabled = false;
      say("error", NETWORK_ERROR);
      return;
    }
    if (answer.status === 200) {
      say("success", "Your email address is changed. Log in again with your new address.");
      return;
    }
    if (answer.status === 409) {
      say("error", "This email address is already in use by another account. Nothing was changed.");
      return;
    }
    if (answer.status === 400 || (answer.data && answer.data.code === "invalid_token")) {
      say("error", sentence(problemText(answer.data, "This confirmation link is not valid.")) + " Ask for a new email change.");
      return;
    }
    button.disabled = false;
    say("error", problemText(answer.data, "Something went wrong. Try again in a moment."));
  });
}
`);

/** The confirmation page; ids #confirm and #status are stable for browser tests. */
export function EmailChangePage({ nonce }: PageProps) {
  return (
    <Layout title="Confirm your new email" nonce={nonce} script={CHANGE_SCRIPT}>
      <p>Press the button to make this address the email of your account. You will be signed out everywhere.</p>
      <button id="confirm" type="button" disabled>
        Confirm my new email
      </button>
    </Layout>
  );
}
