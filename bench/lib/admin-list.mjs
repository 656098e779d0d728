// The admin user list on a seeded table of 100,000 users (issue 15's target:
// a page in < 50 ms on the local stack): the first page, a walk of consecutive
// every page by cursor (100 a page), and searches that match
// one user, a few dozen, and every user.
import pg from "pg";
import { oneConnection, request } from "./http.mjs";
import { summarize } from "./stats.mjs";

export const SEEDED_USERS = 100_000;

const FIRST = ("Ada Alan Grace Edsger Barbara Donald Ken Dennis Linus Guido Margaret Katherine Radia Frances John Tim Vint Bjarne " +
  "James Anders Yukihiro Rasmus Brendan Larry Sophie Hedy Annie Mary Joan Karen Lynn Shafi Leslie Niklaus Tony Robin Judea " +
  "Manuel Ivan Jean Marie Pierre Sofia Lucia Mateo Hugo Lea Noah Emma Liam Olivia Aiko Kenji Priya Arjun Chen Wei Fatima Omar").split(" ");
const LAST = ("Lovelace Turing Hopper Dijkstra Liskov Knuth Thompson Ritchie Torvalds Rossum Hamilton Johnson Perlman Allen McCarthy " +
  "Lee Cerf Stroustrup Gosling Hejlsberg Matsumoto Lerdorf Eich Wall Wilson Lamarr Easley Keller Clarke Jones Conway Goldwasser " +
  "Lamport Wirth Hoare Milner Pearl Blum Sutherland Ichbiah Dupont Martin Bernard Garcia Rossi Silva Santos Muller Schmidt " +
  "Novak Kowalski Tanaka Sato Sharma Patel Wang Zhang Haddad Rahman Okafor").split(" ");
const DOMAINS = ["example.com", "mail.example", "posteo.example", "uni.example.edu", "corp.example", "proton.example",
  "web.example", "fastmail.example", "outlook.example", "yahoo.example", "free.example", "orange.example"];

/** Seeds `count` users (one INSERT ... SELECT generate_series) and refreshes the planner's statistics. */
export async function seedUsers(pgUrl, count = SEEDED_USERS) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const t = performance.now();
    // Names and addresses as varied as a real table's (a table of one repeated
    // pattern would make every trigram common and mislead the planner).
    await client.query(
      `INSERT INTO users (email, full_name, password_hash, email_verified, roles)
       SELECT lower(fn) || '.' || lower(ln) || g || '@' || dn, fn || ' ' || ln, NULL, g % 3 = 0, ARRAY['user']::text[]
       FROM generate_series(1, $1::int) g,
            LATERAL (SELECT ($2::text[])[1 + g % cardinality($2::text[])] AS fn,
                            ($3::text[])[1 + (g / cardinality($2::text[])) % cardinality($3::text[])] AS ln,
                            ($4::text[])[1 + (g / 7) % cardinality($4::text[])] AS dn) x`,
      [count, FIRST, LAST, DOMAINS],
    );
    await client.query("ANALYZE users");
    return { users: count, seedMs: Math.round(performance.now() - t) };
  } finally {
    await client.end();
  }
}

export async function grantRole(pgUrl, email, role) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query("UPDATE users SET roles = array_append(roles, $2) WHERE lower(email) = lower($1)", [email, role]);
  } finally {
    await client.end();
  }
}

/** Measures list requests on one keep-alive connection; every answer must be a 200 page. */
export async function measureAdminList({ base, headers, repeats = 30 }) {
  const agent = oneConnection();
  const get = async (query) => {
    const res = await request(`${base}/auth/admin/users?${query}`, { agent, headers });
    if (res.status !== 200) throw new Error(`admin list answered ${res.status}: ${res.text.slice(0, 200)}`);
    return { ms: res.ms, body: res.json() };
  };
  const repeat = async (query, expectCount) => {
    const samples = [];
    for (let i = 0; i < repeats + 3; i++) {
      const { ms, body } = await get(query);
      if (expectCount !== undefined && body.users.length !== expectCount) {
        throw new Error(`${query}: ${body.users.length} users, expected ${expectCount}`);
      }
      if (i >= 3) samples.push(ms);
    }
    return summarize(samples);
  };
  try {
    const out = {};
    out.firstPage50 = await repeat("limit=50", 50);
    const one = (await get("limit=1&q=77777%40")).body.users[0]?.email?.split("@")[0] ?? "77777";
    out.firstPage100 = await repeat("limit=100", 100);
    // Every page of the table, by cursor, 100 users a page.
    const walk = [];
    let cursor = null;
    let seen = 0;
    do {
      const { ms, body } = await get(`limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      walk.push(ms);
      seen += body.users.length;
      cursor = body.next_cursor;
    } while (cursor);
    out.everyPage100 = { ...summarize(walk), pages: walk.length, users: seen };
    // One user (a unique address), a name shared by some (~28 users), and a term every user matches.
    out.searchOne = await repeat(`q=${encodeURIComponent(`${one}@`)}`, 1);
    out.searchName = await repeat(`q=${encodeURIComponent("grace lamport")}&limit=50`);
    out.searchAll = await repeat(`q=${encodeURIComponent(".example")}&limit=50`, 50);
    return out;
  } finally {
    agent.destroy();
  }
}
