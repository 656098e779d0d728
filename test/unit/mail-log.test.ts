import { afterEach, describe, expect, it, vi } from "vitest";
import { logTransport } from "../../src/mail/log-transport";
import { renderMail } from "../../src/mail";

const link = "https://gateway.test/auth/password/reset?token=SECRET-TOKEN-123";

describe("log transport", () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints the link in development so a developer can follow it", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: unknown) => void lines.push(String(l)));
    await logTransport({ revealLinks: true }).send(renderMail("password_reset", { to: "a@example.com", link }));
    expect(lines.join("\n")).toContain("SECRET-TOKEN-123");
  });

  it("never writes the token in production", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: unknown) => void lines.push(String(l)));
    await logTransport({ revealLinks: false }).send(renderMail("password_reset", { to: "a@example.com", link }));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain("SECRET-TOKEN-123");
    expect(lines.join("\n")).toContain("password_reset");
  });
});
