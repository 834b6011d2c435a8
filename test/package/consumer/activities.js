// The team's own activities, registered next to the plugin's.
export async function composeGreeting(name) {
  return `hello, ${name}`;
}
