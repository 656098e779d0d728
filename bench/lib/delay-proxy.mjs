// A TCP proxy that delays every chunk by `delayMs` in each direction (order
// kept), to put Postgres "at a distance" from the WebSocket bridge: with a
// one-way delay D, every request→response turn costs 2D more. The delay can
// change between measurements (setDelay), so one gateway process serves both
// the near and the far runs. Connection set-up is not delayed (the bridge
// stands where Neon's proxy stands, next to the database; see README).
import net from "node:net";

export async function startDelayProxy({ target, delayMs = 0 }) {
  let delay = delayMs;
  const sockets = new Set();
  const pipe = (from, to) => {
    let last = 0;
    from.on("data", (chunk) => {
      const at = Math.max(Date.now() + delay, last);
      last = at;
      const wait = at - Date.now();
      if (wait <= 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), wait);
    });
    from.on("end", () => setTimeout(() => to.end(), Math.max(0, last - Date.now())));
    from.on("error", () => to.destroy());
  };
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect(target);
    upstream.setNoDelay(true);
    sockets.add(client);
    sockets.add(upstream);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    setDelay(ms) {
      delay = ms;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
