/**
 * GET /auth/email/verify#token=… (or ?token=… for older links): one button.
 * Opening the link (or a mail scanner prefetching it) spends nothing; the
 * button's POST of `{token}` to the JSON endpoint does (200 verified, 400
 * invalid_token). The token is read by the script from the address, never
 * rendered, and dropped from it. Either outcome offers the next step.
 */
import { Layout, type PageProps } from "./layout";
import { pageScript } from "./client";

const VERIFY_SCRIPT = pageScript(`
const token = takeToken();
const button = document.getElementById("verify");
if (!token) {
  button.disabled = true;
  say("error", "This link is missing its verification token. Open the link from your email again, or sign in to ask for a new one.");
  showNext("/auth/login", "Sign in");
} else {
  button.disabled = false;
  button.addEventListener("click", async function () {
    button.disabled = true;
    say("busy", "Verifying your email…");
    let answer;
    try {
      answer = await postJson("/auth/email/verify", { token: token });
    } catch (e) {
      button.disabled = false;
      say("error", NETWORK_ERROR);
      return;
    }
    if (answer.status === 200) {
      say("success", "Your email address is verified. You can now sign in.");
      showNext("/auth/login", "Sign in");
      return;
    }
    if (answer.status === 400 || (answer.data && answer.data.code === "invalid_token")) {
      say("error", sentence(problemText(answer.data, "This verification link is not valid.")) + " Sign in to ask for a new verification email.");
      showNext("/auth/login", "Sign in");
      return;
    }
    button.disabled = false;
    say("error", problemText(answer.data, "Something went wrong. Try again in a moment."));
  });
}
`);

/** The verify page; ids #verify, #status and #next-link are stable for browser tests. */
export function VerifyEmailPage({ nonce }: PageProps) {
  return (
    <Layout title="Verify your email" nonce={nonce} script={VERIFY_SCRIPT}>
      <p>Press the button to confirm that this email address is yours.</p>
      <button id="verify" type="button" disabled>
        Verify my email
      </button>
    </Layout>
  );
}
