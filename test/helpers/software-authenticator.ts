/**
 * A software WebAuthn authenticator for tests (never for src/): an ES256
 * key pair per credential, "none" attestation, a signature counter the test
 * can set, and knobs to produce every kind of bad response (wrong origin,
 * wrong RP id, no user verification). Its CBOR encoder is the minimum
 * WebAuthn needs: integers, byte and text strings, maps.
 */

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function cbor(v: Cbor): Uint8Array {
  const out: number[] = [];
  const put = (x: Cbor): void => {
    if (typeof x === "number") out.push(...(x >= 0 ? head(0, x) : head(1, -1 - x)));
    else if (typeof x === "string") {
      const b = new TextEncoder().encode(x);
      out.push(...head(3, b.length), ...b);
    } else if (x instanceof Uint8Array) out.push(...head(2, x.length), ...x);
    else {
      out.push(...head(5, x.size));
      for (const [k, val] of x) {
        put(k);
        put(val);
      }
    }
  };
  put(v);
  return Uint8Array.from(out);
}

export function b64url(bytes: Uint8Array | string): string {
  const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let bin = "";
  for (const x of b) bin += String.fromCharCode(x);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const b = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", b));
}

function u32(n: number): Uint8Array {
  return Uint8Array.from([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
}

/** WebCrypto's raw r||s signature as the DER sequence WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (x: Uint8Array): number[] => {
    let i = 0;
    while (i < x.length - 1 && x[i] === 0) i++;
    const v = [...x.slice(i)];
    if ((v[0] as number) & 0x80) v.unshift(0);
    return [0x02, v.length, ...v];
  };
  const body = [...int(raw.slice(0, 32)), ...int(raw.slice(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface Tweaks {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  type?: string;
  /** Signs with another key (a bad signature). */
  forgeSignature?: boolean;
  challenge?: string;
  /** Registers under an existing credential id (base64url). */
  credentialId?: string;
}

export interface SoftCredential {
  id: string;
  /** The next assertion's signature counter (0 = this authenticator keeps none). */
  counter: number;
  userHandle?: string;
  keys: CryptoKeyPair;
}

export interface SoftAuthenticator {
  origin: string;
  rpId: string;
  credentials: SoftCredential[];
  /** A RegistrationResponseJSON for `options` (the register/options answer). */
  register(options: { challenge: string; user: { id: string } }, tweaks?: Tweaks & { counter?: number }): Promise<Record<string, unknown>>;
  /** An AuthenticationResponseJSON for `options`, with `credential` (default: the first). */
  assert(options: { challenge: string }, credential?: SoftCredential, tweaks?: Tweaks): Promise<Record<string, unknown>>;
}

/**
 * @example
 * const auth = softAuthenticator("https://gateway.test", "gateway.test");
 * const credential = await auth.register(await registerOptions());
 */
export function softAuthenticator(origin: string, rpId: string): SoftAuthenticator {
  const credentials: SoftCredential[] = [];
  const ecdsa = { name: "ECDSA", namedCurve: "P-256" } as const;
  return {
    origin,
    rpId,
    credentials,
    async register(options, tweaks = {}) {
      const keys = (await crypto.subtle.generateKey(ecdsa, true, ["sign", "verify"])) as CryptoKeyPair;
      const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
      const fromB64 = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      const cose = cbor(
        new Map<Cbor, Cbor>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, fromB64(jwk.x as string)],
          [-3, fromB64(jwk.y as string)],
        ]),
      );
      const idBytes = tweaks.credentialId
        ? fromB64(tweaks.credentialId)
        : crypto.getRandomValues(new Uint8Array(32));
      const id = b64url(idBytes);
      const counter = tweaks.counter ?? 0;
      const flags = FLAG_UP | FLAG_AT | (tweaks.userVerified === false ? 0 : FLAG_UV);
      const authData = concat(
        await sha256(tweaks.rpId ?? rpId),
        Uint8Array.of(flags),
        u32(counter),
        new Uint8Array(16),
        Uint8Array.of(idBytes.length >> 8, idBytes.length & 255),
        idBytes,
        cose,
      );
      const clientData = JSON.stringify({
        type: tweaks.type ?? "webauthn.create",
        challenge: tweaks.challenge ?? options.challenge,
        origin: tweaks.origin ?? origin,
        crossOrigin: false,
      });
      const attestationObject = cbor(
        new Map<Cbor, Cbor>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]),
      );
      credentials.push({ id, counter: counter === 0 ? 0 : counter + 1, userHandle: options.user.id, keys });
      return {
        id,
        rawId: id,
        type: "public-key",
        authenticatorAttachment: "platform",
        clientExtensionResults: { credProps: { rk: true } },
        response: {
          clientDataJSON: b64url(clientData),
          attestationObject: b64url(attestationObject),
          transports: ["internal"],
        },
      };
    },
    async assert(options, credential = credentials[0], tweaks = {}) {
      if (!credential) throw new Error("no credential registered");
      const flags = FLAG_UP | (tweaks.userVerified === false ? 0 : FLAG_UV);
      const authData = concat(await sha256(tweaks.rpId ?? rpId), Uint8Array.of(flags), u32(credential.counter));
      if (credential.counter > 0) credential.counter += 1;
      const clientData = JSON.stringify({
        type: tweaks.type ?? "webauthn.get",
        challenge: tweaks.challenge ?? options.challenge,
        origin: tweaks.origin ?? origin,
        crossOrigin: false,
      });
      const signer = tweaks.forgeSignature
        ? ((await crypto.subtle.generateKey(ecdsa, true, ["sign", "verify"])) as CryptoKeyPair).privateKey
        : credential.keys.privateKey;
      const signed = concat(authData, await sha256(clientData));
      const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer, signed));
      return {
        id: credential.id,
        rawId: credential.id,
        type: "public-key",
        authenticatorAttachment: "platform",
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64url(clientData),
          authenticatorData: b64url(authData),
          signature: b64url(derSignature(raw)),
          ...(credential.userHandle ? { userHandle: credential.userHandle } : {}),
        },
      };
    },
  };
}
