/* global document, fetch */
// Talking to the gateway: the technician's session, the read-only views and the actions.
import { formDialog, toast } from "./ui.js";

const session = { signedIn: false, csrf: null, passwordSet: false, viewNeedsSignIn: false };

/** GET a view of /api/ui/; a 401 on a LAN page asks for sign-in. */
export async function view(path) {
  const res = await fetch(`/api/ui/${path}`, { credentials: "same-origin" });
  const body = await res.json();
  if (res.status === 401) {
    await signIn();
    throw new Error(body.message);
  }
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

/** POST an action as the signed-in technician; shows the outcome and returns the body. */
export async function act(name, body, done) {
  const res = await fetch(`/api/ui/actions/${name}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": session.csrf ?? "" },
    body: JSON.stringify(body),
  });
  const outcome = await res.json();
  if (outcome.ok) toast(done(outcome.result));
  else toast(`${outcome.code}: ${outcome.message}`, true);
  if (res.status === 401) await refreshSession();
  return outcome;
}

export const signedIn = () => session.signedIn;

export async function refreshSession() {
  const res = await fetch("/api/ui/session", { credentials: "same-origin" });
  Object.assign(session, await res.json());
  const button = document.getElementById("session");
  button.textContent = session.signedIn ? "Sign out" : "Sign in";
  button.dataset.state = session.signedIn ? "in" : "out";
}

export async function signIn() {
  if (!session.passwordSet)
    return toast("No technician password is set: run meter-gateway passwd -c <config>", true);
  const values = await formDialog(
    "Technician sign-in",
    [{ name: "password", label: "Password", type: "password" }],
    "Sign in",
  );
  if (values === null) return;
  const res = await fetch("/api/ui/sign-in", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password: values.password }),
  });
  const body = await res.json();
  if (!res.ok) return toast(body.message, true);
  await refreshSession();
  toast("Signed in");
  await afterSession();
}

export async function signOut() {
  await fetch("/api/ui/sign-out", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  await refreshSession();
  await afterSession();
}

let afterSession = async () => {};
/** What to do once the technician signed in or out (the page re-renders). */
export function onSessionChange(fn) {
  afterSession = fn;
}

/** The session as the page last heard it. */
export const currentSession = () => session;
