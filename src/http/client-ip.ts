/**
 * The client IP: `CF-Connecting-IP`, which Cloudflare's edge sets and a client
 * cannot override in production. `X-Forwarded-For`, `X-Real-IP` and
 * `True-Client-IP` are never trusted. For rate-limit keys IPv6 addresses are
 * grouped by /64 (one customer usually holds a whole /64).
 */
const IPV4_RE = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV6_RE = /^[0-9a-f:.]+$/i;

export function clientIp(headers: Headers): string {
  const ip = headers.get("cf-connecting-ip")?.trim() ?? "";
  if (IPV4_RE.test(ip) || (ip.includes(":") && IPV6_RE.test(ip) && ip.length <= 45)) return ip.toLowerCase();
  return "0.0.0.0";
}

/** Expands an IPv6 address to its eight groups; undefined when malformed. */
function ipv6Groups(ip: string): string[] | undefined {
  let addr = ip;
  const tail: string[] = [];
  if (addr.includes(".")) {
    const at = addr.lastIndexOf(":");
    const v4 = addr.slice(at + 1).split(".").map(Number);
    if (v4.length !== 4 || v4.some((n) => !(n >= 0 && n <= 255))) return undefined;
    const [a, b, c, d] = v4 as [number, number, number, number];
    tail.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    addr = addr.slice(0, at + 1) + "0";
    addr = addr.slice(0, -2) || ":";
  }
  const halves = addr.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - tail.length - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  return [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest, ...tail];
}

/** The rate-limit subject for an IP: the address itself, or its /64 for IPv6. */
export function ipRateKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}
