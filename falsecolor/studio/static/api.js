// Talking to the studio's server: every request carries the session's token.

const token = new URL(import.meta.url).pathname.split("/")[2];
const HEADER = "X-Falsecolor-Token";

export class Refused extends Error {}

async function checked(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body.error) message = body.error;
  } catch (_) {
    /* not JSON: keep the status line */
  }
  throw new Refused(message);
}

export async function getJSON(path) {
  const response = await fetch(path, { headers: { [HEADER]: token }, cache: "no-store" });
  return (await checked(response)).json();
}

export async function postJSON(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { [HEADER]: token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await checked(response)).json();
}

export async function getBytes(path) {
  const response = await checked(await fetch(path, { headers: { [HEADER]: token }, cache: "no-store" }));
  return { version: response.headers.get("x-version"), data: await response.arrayBuffer() };
}

export function withToken(path) {
  return `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

// News from the server (progress, warnings, new data); reconnects while the page is open.
export function listen(onEvent, onClosed) {
  const open = () => {
    const socket = new WebSocket(withToken(`ws://${location.host}/ws`));
    socket.onmessage = (message) => onEvent(JSON.parse(message.data));
    socket.onopen = () => onEvent({ type: "connected" });
    socket.onclose = () => {
      onClosed();
      setTimeout(open, 1500);
    };
  };
  open();
}
