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

const MAPPED_V4_RE = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Expands an IPv6 address (no embedded IPv4) to its eight groups; undefined when malformed. */
function ipv6Groups(ip: string): string[] | undefined {
  if (ip.includes(".")) return undefined;
  const halves = ip.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
}

/** The rate-limit subject for an IP: the address itself, or its /64 for IPv6 (IPv4-mapped → IPv4). */
export function ipRateKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const mapped = MAPPED_V4_RE.exec(ip);
  if (mapped) return mapped[1] as string;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}
