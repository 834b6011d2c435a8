/** A free loopback port, for servers started by the tools and tests (Temporal dev server, MinIO). */
import { createServer } from 'node:net';

/** A port the OS says is free right now (the server binds it a moment later). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * `count` distinct free ports. Each probe stays bound until all are taken: two probes in a row can
 * otherwise get the same port back (the first closed before the second asked), and a server given
 * it twice (`--port` and `--ui-port`) fails to start.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.unref();
            server.on('error', reject);
            server.listen(0, '127.0.0.1', () => {
              const address = server.address();
              resolve(typeof address === 'object' && address ? address.port : 0);
            });
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}

/**
 * Starts a server on ports picked by {@link freePort}, trying again (three times in all) while
 * `start` fails with an error `portTaken` recognises: another process can bind a port in the moment
 * between our probe and the server's own bind.
 */
export async function startOnFreshPorts<T>(start: () => Promise<T>, portTaken: (err: unknown) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !portTaken(err)) throw err;
    }
  }
}
