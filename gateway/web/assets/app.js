/* global document, window, EventSource, setTimeout, URLSearchParams */
// The page: the hash router and live updates (server-sent events).
import { currentSession, onSessionChange, refreshSession, signIn, signOut, view } from "./api.js";
import { eventsPage, metersPage, overviewPage } from "./pages.js";
import { meterPage } from "./meter-page.js";

let current = null;

const pages = { overview: overviewPage, meters: metersPage, meter: meterPage, events: eventsPage };

/** #/overview, #/meters, #/meter/<id>, #/events?meter=&type=&severity= */
function parseHash() {
  const [path, query] = (window.location.hash.slice(2) || "overview").split("?");
  const [name, ...rest] = path.split("/");
  return {
    name: pages[name] ? name : "overview",
    arg: decodeURIComponent(rest.join("/")),
    params: new URLSearchParams(query ?? ""),
  };
}

async function route() {
  const r = parseHash();
  for (const a of document.querySelectorAll("nav a"))
    a.classList.toggle("active", a.dataset.nav === (r.name === "meter" ? "meters" : r.name));
  const main = document.getElementById("main");
  current = pages[r.name](r);
  main.replaceChildren(current.root);
  await update();
}

let updating = false;
let again = false;
/** Refreshes what the page shows; a live tick during a refresh refreshes once more after it. */
async function update() {
  if (updating) return void (again = true);
  updating = true;
  try {
    await current?.update();
    document.body.dataset.updated = String(Date.now());
  } catch (error) {
    document.getElementById("main").dataset.error = String(error.message ?? error);
  } finally {
    updating = false;
    if (again) {
      again = false;
      setTimeout(update, 0);
    }
  }
}

function connectLive() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/ui/live");
  source.onopen = () => live.classList.add("on");
  source.onerror = () => live.classList.remove("on");
  source.onmessage = () => update();
}

onSessionChange(route);
document
  .getElementById("session")
  .addEventListener("click", () => (currentSession().signedIn ? signOut() : signIn()));
window.addEventListener("hashchange", route);
await refreshSession();
if (currentSession().viewNeedsSignIn && !currentSession().signedIn) await signIn();
await route();
connectLive();
// The gateway's name in the header on every page, not only once the overview was shown.
view("overview")
  .then((o) => (document.getElementById("gateway-id").textContent = o.gatewayId))
  .catch(() => {});
