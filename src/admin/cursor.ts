/**
 * Opaque page cursors for the admin lists: the last id of a page, signed
 * (HMAC-SHA256 under a key derived from JWT_SECRET) together with the list it
 * belongs to and that list's filter. A forged cursor, or one from another
 * list or another filter (a "foreign" cursor), is 422 `validation_failed`.
 *
 * @example
 * const cursors = cursorCodec(config.jwtSecret);
 * const next = await cursors.encode("users", "q=ada", 1234);
 * await cursors.decode("users", "q=ada", next); // 1234
 * await cursors.decode("events", "", next);     // throws 422
 */
import { validationError } from "../errors";

const encoder = new TextEncoder();
const CURSOR_RE = /^[1-9][0-9]{0,15}\.[A-Za-z0-9_-]{43}$/;

export type CursorList = "users" | "events";

export interface CursorCodec {
  encode(list: CursorList, filter: string, lastId: number): Promise<string>;
  /** The id after which the next page starts; throws 422 when forged or foreign. */
  decode(list: CursorList, filter: string, cursor: string): Promise<number>;
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(s: string): Uint8Array {
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(`admin-cursor\u0000${secret}`), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

const signedText = (list: CursorList, filter: string, id: string) => encoder.encode(`${list}\u0000${filter}\u0000${id}`);

const badCursor = () => validationError([{ field: "cursor", message: "is not a cursor this list gave out for this query" }]);

export function cursorCodec(secret: string): CursorCodec {
  return {
    async encode(list, filter, lastId) {
      const id = String(lastId);
      const mac = await crypto.subtle.sign("HMAC", await keyFor(secret), signedText(list, filter, id));
      return `${id}.${base64url(new Uint8Array(mac))}`;
    },
    async decode(list, filter, cursor) {
      if (!CURSOR_RE.test(cursor)) throw badCursor();
      const [id, mac] = cursor.split(".") as [string, string];
      // crypto.subtle.verify compares in constant time.
      const ok = await crypto.subtle.verify("HMAC", await keyFor(secret), fromBase64url(mac), signedText(list, filter, id));
      if (!ok || !Number.isSafeInteger(Number(id))) throw badCursor();
      return Number(id);
    },
  };
}
