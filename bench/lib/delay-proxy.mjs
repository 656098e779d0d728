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
  // Each direction is a FIFO: a chunk leaves `delay` ms after it arrived and never before the one
  // ahead of it, even when a timer fires late or the delay changes while chunks are in flight
  // (writing a later chunk at once while an earlier one still waits would reorder the stream).
  const pipe = (from, to) => {
    const queue = [];
    let timer;
    const flush = () => {
      timer = undefined;
      while (queue.length > 0 && queue[0].at <= Date.now()) {
        const { chunk } = queue.shift();
        if (to.writable) to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(flush, queue[0].at - Date.now());
      else if (ended) to.end();
    };
    let ended = false;
    from.on("data", (chunk) => {
      const last = queue.at(-1)?.at ?? 0;
      queue.push({ chunk, at: Math.max(Date.now() + delay, last) });
      if (timer === undefined) flush();
    });
    from.on("end", () => {
      ended = true;
      if (timer === undefined) flush();
    });
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
