// The common-password list is a data file (src/auth/passwords/common-passwords.txt) whose
// provenance, count and licence live beside it in common-passwords.txt.license; both are written
// by scripts/build-common-passwords.mjs. A hand edit of either that leaves them disagreeing fails here.
// (test/unit/passwords.test.ts proves, inside workerd, that the policy refuses exactly the file's entries.)
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const DIR = path.resolve(import.meta.dirname, "../../src/auth/passwords");
const list = readFileSync(path.join(DIR, "common-passwords.txt"), "utf8");
const sidecar = readFileSync(path.join(DIR, "common-passwords.txt.license"), "utf8");

describe("common-passwords.txt.license", () => {
  it("states the file's true entry count", () => {
    const stated = /most common first: (\d+) entries\./.exec(sidecar);
    expect(stated).not.toBeNull();
    expect(list.endsWith("\n")).toBe(true);
    expect(list.split("\n").length - 1).toBe(Number(stated?.[1]));
  });

  it("names the source and carries its MIT licence", () => {
    expect(sidecar).toContain("@zxcvbn-ts/language-common@4.1.3");
    expect(sidecar).toContain("SPDX-License-Identifier: MIT");
    expect(sidecar).toContain("Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.");
    expect(sidecar).toContain("Permission is hereby granted, free of charge");
  });
});
