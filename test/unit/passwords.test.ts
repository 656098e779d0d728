import { describe, it, expect } from "vitest";
import bcrypt from "bcryptjs";

describe("bench", () => {
  it("sync vs async at 12", async () => {
    const salt = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO";
    const out: string[] = [];
    for (let round = 0; round < 3; round++) {
      let t = performance.now();
      const a = bcrypt.hashSync("abcdefghijabcdefghijabcdefghijabcdefghijabcd", salt);
      const sync = performance.now() - t;
      t = performance.now();
      const b = await bcrypt.hash("abcdefghijabcdefghijabcdefghijabcdefghijabcd", salt);
      const asyn = performance.now() - t;
      t = performance.now();
      await bcrypt.compare("abcdefghijabcdefghijabcdefghijabcdefghijabcd", a);
      const cmp = performance.now() - t;
      out.push(`sync=${sync} async=${asyn} compareAsync=${cmp} same=${a === b}`);
    }
    let d = Date.now();
    bcrypt.hashSync("x", salt);
    out.push(`date sync ${Date.now() - d}`);
    d = Date.now();
    await bcrypt.hash("x", salt);
    out.push(`date async ${Date.now() - d}`);
    console.log(out.join("\n"));
    expect(out.length).toBeGreaterThan(0);
  }, 120000);
});
