/** A free loopback port, for servers started by the tools and tests (Temporal dev server, MinIO). */
import { createServer } from 'node:net';

/** A port the OS says is free right now (the server binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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
