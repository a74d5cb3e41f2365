// cloudpartner-mock's web console (docs/console.md). Plain JavaScript, nothing fetched from
// anywhere but this server. Every action is one HTTP call, shown in the side panel.
//
// One file of about 700 lines on purpose: it is the one script of one page, served as it is
// written (no build step, no bundler), and its sections — HTTP, tokens and worlds, clock, tabs,
// one per view, the live stream — share the page's state and helpers above them. Split into
// modules, each would be one more route of the control plane for no gain in reading it.
"use strict";

const Q = "api-version=2017-10-31";
const $ = (id) => document.getElementById(id);
const state = {
  world: "",
  controlToken: sessionStorage.getItem("cppmock.controlToken") || "",
  apiToken: sessionStorage.getItem("cppmock.apiToken") || "console",
  reasons: new Map(),
  journal: [],
  lastSeq: 0,
  operations: [],
  selectedOperation: null,
  installedFault: null,
  stream: null,
  refreshTimer: null,
  pending: new Set(),
  lastCurl: "",
};

// ---- HTTP ---------------------------------------------------------------------------------

/** Sends one request; shows it and its answer in the side panel. `plane` is "api" (the API's
 *  bearer token) or "control" (the control token, when one is set); `auth: false` sends none. */
async function send(plane, method, path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (opts.auth !== false) {
    if (plane === "api") headers["Authorization"] = "Bearer " + state.apiToken;
    else if (state.controlToken) headers["Authorization"] = "Bearer " + state.controlToken;
  }
  if (state.world && opts.world !== false) headers["X-Mock-World"] = state.world;
  let body;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["Content-Type"] = "application/json";
  }
  if (!opts.quiet) showRequest(plane, method, path, headers, body);
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal: opts.signal });
  } catch (error) {
    const answer = { status: 0, headers: new Headers(), text: "", json: null, dropped: true,
                     error: String(error) };
    if (!opts.quiet) showResponse(answer);
    return answer;
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  const answer = { status: response.status, headers: response.headers, text, json };
  if (!opts.quiet) showResponse(answer);
  if (plane === "control" && response.status === 401) askToken();
  return answer;
}
const api = (method, path, opts) => send("api", method, path, opts);
const control = (method, path, opts) => send("control", method, path, opts);

function showRequest(plane, method, path, headers, body) {
  const shown = Object.entries(headers).map(([k, v]) =>
    k === "Authorization" && plane === "control" ? `${k}: Bearer [control token]` : `${k}: ${v}`);
  $("call-request").textContent =
    `${method} ${path} HTTP/1.1\n${shown.join("\n")}${body ? "\n\n" + pretty(body) : ""}`;
  const curlHeaders = Object.entries(headers).map(([k, v]) => {
    const value = k === "Authorization" && plane === "control" ? "Bearer $CONTROL_TOKEN" : v;
    return ` -H '${k}: ${value.replace(/'/g, "'\\''")}'`;
  }).join("");
  const data = body ? ` --data '${body.replace(/'/g, "'\\''")}'` : "";
  state.lastCurl = `curl -i -X ${method} '${location.origin}${path}'${curlHeaders}${data}`;
  $("call-response").textContent = "…";
}

function showResponse(answer) {
  if (answer.dropped) {
    $("call-response").textContent = `No answer: the connection was closed (${answer.error}).`;
    return;
  }
  const headers = [...answer.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
  $("call-response").textContent = `${answer.status}\n${headers}\n\n${pretty(answer.text)}`;
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (_) { return text || ""; }
}

function statusClass(status) {
  return "status-" + String(status || 0)[0];
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}

function button(label, onClick, attrs = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  b.addEventListener("click", (event) => { event.stopPropagation(); onClick(); });
  return b;
}

$("copy-curl").addEventListener("click", async () => {
  $("call-request").textContent = state.lastCurl || "Nothing sent yet.";
  try { await navigator.clipboard.writeText(state.lastCurl); } catch (_) { /* shown instead */ }
});

// ---- Tokens and worlds ----------------------------------------------------------------------

function askToken() {
  const dialog = $("token-dialog");
  if (dialog.open) return;
  $("token-input").value = "";
  dialog.showModal();
}

$("token-form").addEventListener("submit", (event) => {
  if (event.submitter && event.submitter.value !== "save") return;
  state.controlToken = $("token-input").value;
  sessionStorage.setItem("cppmock.controlToken", state.controlToken);
  refreshAll().then((ok) => { if (ok) connectEvents(); });
});
$("token-button").addEventListener("click", askToken);

$("api-token").value = state.apiToken;
$("api-token").addEventListener("change", () => {
  state.apiToken = $("api-token").value || "console";
  sessionStorage.setItem("cppmock.apiToken", state.apiToken);
  loadOffers();
});

/** The worlds, into the selector; false when the control plane refused (no token yet). */
async function loadWorlds() {
  const answer = await control("GET", "/_mock/worlds", { quiet: true, world: false });
  if (answer.status !== 200 || !answer.json) return false;
  const select = $("world");
  const names = answer.json.worlds.map((w) => w.name);
  select.replaceChildren(...names.map((name) => {
    const option = document.createElement("option");
    option.value = name === "default" ? "" : name;
    option.textContent = name;
    return option;
  }));
  select.value = state.world;
  return true;
}

$("world").addEventListener("change", () => {
  state.world = $("world").value;
  state.journal = [];
  state.lastSeq = 0;
  state.selectedOperation = null;
  refreshAll();
  connectEvents();
});

$("new-world").addEventListener("click", async () => {
  const name = prompt("Name of the new world (letters, digits, '.', '_', '-'):");
  if (!name) return;
  const answer = await control("PUT", "/_mock/worlds/" + encodeURIComponent(name), { world: false });
  if (answer.status === 200 || answer.status === 201) {
    state.world = name;
    await loadWorlds();
    $("world").value = name;
    $("world").dispatchEvent(new Event("change"));
  }
});

// ---- Clock ---------------------------------------------------------------------------------

async function loadClock() {
  const answer = await control("GET", "/_mock/clock", { quiet: true });
  if (answer.status !== 200 || !answer.json) return;
  $("clock-now").textContent = answer.json.now.replace("T", " ").replace(/\.\d+Z$/, "Z");
  const offset = answer.json.offsetSeconds;
  const how = answer.json.frozen ? "frozen" : "running";
  $("clock-offset").textContent = offset ? `(${how}, +${formatSeconds(offset)})` : `(${how})`;
}

function formatSeconds(seconds) {
  if (seconds >= 86400) return (seconds / 86400).toFixed(1).replace(/\.0$/, "") + " d";
  if (seconds >= 3600) return (seconds / 3600).toFixed(1).replace(/\.0$/, "") + " h";
  if (seconds >= 60) return (seconds / 60).toFixed(1).replace(/\.0$/, "") + " min";
  return seconds.toFixed(0) + " s";
}

for (const b of document.querySelectorAll("[data-advance]")) {
  b.addEventListener("click", async () => {
    await control("POST", "/_mock/clock/advance", { body: { seconds: Number(b.dataset.advance) } });
    loadClock();
    scheduleRefresh();
  });
}

// ---- Tabs ----------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll("[role=tab]")];
function selectTab(name) {
  for (const tab of tabs) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    $("tab-" + tab.dataset.tab).hidden = !selected;
  }
  if (name === "coverage") loadCoverage();
  if (name === "faults") loadFaults();
}
tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  tab.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = tabs[(i + step + tabs.length) % tabs.length];
    next.focus();
    selectTab(next.dataset.tab);
  });
});

// ---- Offers --------------------------------------------------------------------------------

async function loadOffers() {
  const publishers = await api("GET", `/api/publishers?${Q}`, { quiet: true });
  const body = $("offers-table").tBodies[0];
  if (publishers.status !== 200 || !Array.isArray(publishers.json)) {
    body.replaceChildren();
    const row = body.insertRow();
    cell(row, `GET /api/publishers answered ${publishers.status}: check the API token.`);
    return;
  }
  const running = new Map();
  for (const op of state.operations) {
    if (op.status === "running") running.set(`${op.publisher}/${op.offer}`.toLowerCase(), op);
  }
  const rows = [];
  for (const publisher of publishers.json) {
    const offers = await api("GET", `/api/publishers/${publisher.id}/offers?${Q}`, { quiet: true });
    if (offers.status !== 200 || !Array.isArray(offers.json)) continue;
    for (const offer of offers.json) {
      const row = document.createElement("tr");
      row.tabIndex = 0;
      row.dataset.offer = offer.id;
      cell(row, publisher.id);
      cell(row, offer.id);
      cell(row, String(offer.offerTypeId).replace(/^microsoft-azure-/, ""));
      cell(row, offer.status, "offer-status");
      cell(row, offer.version);
      cell(row, offer.pcMigrationStatus);
      const op = running.get(`${publisher.id}/${offer.id}`.toLowerCase());
      cell(row, op ? `${op.type} (${op.id.slice(0, 8)})` : "");
      const actions = row.insertCell();
      actions.className = "row-actions";
      actions.append(
        button("Publish", () => startOperation(publisher.id, offer.id, "publish"),
               { "data-action": "publish" }),
        " ",
        button("Go live", () => startOperation(publisher.id, offer.id, "golive"),
               { "data-action": "golive" }),
      );
      const open = () => showOffer(publisher.id, offer.id);
      row.addEventListener("click", open);
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
      rows.push(row);
    }
  }
  body.replaceChildren(...rows);
}

async function showOffer(publisher, offer) {
  const answer = await api("GET", `/api/publishers/${publisher}/offers/${offer}?${Q}`);
  $("offer-title").textContent = `Document of ${publisher}/${offer} (${answer.status})`;
  $("offer-document").textContent = pretty(answer.text);
}

async function startOperation(publisher, offer, action) {
  const body = action === "publish"
    ? { metadata: { "notification-emails": "console@example.com" } } : undefined;
  const answer = await api("POST", `/api/publishers/${publisher}/offers/${offer}/${action}?${Q}`,
                           { body });
  await loadOperations();
  const id = operationIdOf(answer.headers.get("location"));
  if (answer.status === 202 && id) {
    selectTab("operations");
    selectOperation(id);
  }
  scheduleRefresh();
}

function operationIdOf(location) {
  if (!location) return null;
  const path = location.split("?")[0];
  const found = state.operations.find((op) => path.endsWith("/" + op.id));
  if (found) return found.id;
  const match = path.match(/\/operations\/([0-9a-f-]{36})$/i);
  return match ? match[1] : null;
}

// ---- Error cases -----------------------------------------------------------------------------

const O = "/api/publishers/contoso/offers";
const CASES = [
  { status: 400, title: "api-version missing", method: "GET", path: `${O}/ready-to-go-live`, reason: "api-version.missing", raw: true },
  { status: 400, title: "go-live, never published", method: "POST", path: `${O}/draft-offer/golive?${Q}`, reason: "lifecycle.nothing-in-preview" },
  { status: 400, title: "go-live, the last publish failed", method: "POST", path: `${O}/publish-failed/golive?${Q}`, reason: "lifecycle.nothing-in-preview" },
  { status: 400, title: "go-live body not JSON", method: "POST", path: `${O}/ready-to-go-live/golive?${Q}`, body: "{not json", reason: "body.invalid-json" },
  { status: 400, title: "malformed operation id", method: "GET", path: `${O}/ready-to-go-live/operations/not-a-guid?${Q}`, reason: "operation.malformed-id" },
  { status: 401, title: "no Authorization header", method: "GET", path: `${O}?${Q}`, reason: "auth.missing-bearer", noAuth: true },
  { status: 404, title: "unknown offer (Partner Center's body)", method: "GET", path: `${O}/no-such-offer?${Q}`, reason: "offer.not-found" },
  { status: 404, title: "empty preview slot", method: "GET", path: `${O}/draft-offer/slot/preview?${Q}`, reason: "slot.empty" },
  { status: 404, title: "no such route", method: "GET", path: `/api/nothing?${Q}`, reason: "route.unknown" },
  { status: 405, title: "known path, other method", method: "GET", path: `${O}/ready-to-go-live/golive?${Q}`, reason: "route.method-not-allowed" },
  { status: 409, title: "go-live while a publish runs", method: "POST", path: `${O}/publish-running/golive?${Q}`, reason: "lifecycle.operation-running" },
  { status: 409, title: "cancel that cannot be canceled", method: "POST", path: `${O}/cannot-cancel/cancel?${Q}`, reason: "lifecycle.cannot-cancel" },
  { status: 412, title: "stale ETag on PUT", method: "PUT", path: `${O}/draft-offer?${Q}`, headers: { "If-Match": 'W/"old"' },
    body: { publisherId: "contoso", id: "draft-offer", offerTypeId: "microsoft-azure-corevm", definition: { displayText: "Stale" } }, reason: "etag.stale" },
  { status: 422, title: "publish of an invalid offer", method: "POST", path: `${O}/invalid-offer/publish?${Q}`, reason: "offer.invalid" },
  { status: 429, title: "throttled go-live, Retry-After: 5", method: "POST", path: `${O}/ready-to-go-live/golive?${Q}`, reason: "fault.rule=",
    fault: { match: { method: "POST", path: "/api/publishers/*/offers/*/golive" }, respond: { status: 429, headers: { "Retry-After": "5" } }, times: 1 } },
  { status: 503, title: "503, then success on retry", method: "GET", path: `${O}/already-live?${Q}`, reason: "fault.rule=",
    fault: { match: { method: "GET", path: "/api/publishers/*/offers/*" }, respond: { status: 503, headers: { "Retry-After": "1" } }, times: 1 } },
  { status: 503, title: "go-live commits, then answers 503", method: "POST", path: `${O}/ready-to-go-live/golive?${Q}`, reason: "fault.rule=",
    fault: { match: { method: "POST", path: "/api/publishers/*/offers/*/golive" }, respond: { status: 503 }, afterCommit: true, times: 1 } },
  // A browser sends a request again when a connection it reused closes unanswered, once per
  // such connection: the rule drops the next ten, so the page sees it fail (remove it after).
  { status: 0, title: "publish, connection dropped", method: "POST", path: `${O}/draft-offer/publish?${Q}`, reason: "",
    fault: { match: { method: "POST", path: "/api/publishers/*/offers/*/publish" }, drop: true, times: 10 } },
  { status: 200, title: "a 30 s stall, then the answer", method: "GET", path: `${O}/already-live?${Q}`, reason: "",
    fault: { match: { method: "GET", path: "/api/publishers/*/offers/*" }, latencyMs: 30000, times: 1 } },
];

function renderCases() {
  const groups = new Map();
  CASES.forEach((c, i) => {
    const key = c.status === 0 ? "No answer" : String(c.status);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push([c, i]);
  });
  const sets = [];
  for (const [status, list] of groups) {
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = status;
    set.append(legend);
    for (const [c, i] of list) {
      set.append(button(`${c.title}${c.fault ? " (fault rule)" : ""}`, () => fireCase(i),
                        { "data-case": String(i) }));
    }
    sets.push(set);
  }
  $("cases").replaceChildren(...sets);
}

async function fireCase(index) {
  const c = CASES[index];
  $("case-status").textContent = "…";
  $("case-status").className = "";
  $("case-reason").textContent = "…";
  $("case-reason-text").textContent = "";
  $("case-headers").textContent = "";
  $("case-body").textContent = "";
  if (c.fault) {
    const added = await control("POST", "/_mock/faults", { body: c.fault });
    if (added.status === 201 && added.json) {
      state.installedFault = added.json.id;
      $("case-installed-rule").textContent = `${added.json.id}: ${JSON.stringify(c.fault)}`;
      $("case-installed").hidden = false;
    }
  }
  const answer = await api(c.method, c.path, { body: c.body, headers: c.headers, auth: !c.noAuth });
  if (answer.dropped) {
    $("case-status").textContent = "no answer (connection closed)";
    $("case-status").className = "status-0";
    $("case-reason").textContent = "–";
  } else {
    $("case-status").textContent = String(answer.status);
    $("case-status").className = statusClass(answer.status);
    const reason = answer.headers.get("x-mock-reason") || "–";
    $("case-reason").textContent = reason;
    $("case-reason-text").textContent = explain(reason);
    $("case-headers").textContent = [...answer.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
    $("case-body").textContent = pretty(answer.text);
  }
  $("case-status").scrollIntoView({ block: "nearest" });
  scheduleRefresh();
}

$("case-remove-fault").addEventListener("click", async () => {
  if (!state.installedFault) return;
  await control("DELETE", "/_mock/faults/" + encodeURIComponent(state.installedFault));
  state.installedFault = null;
  $("case-installed").hidden = true;
  loadFaults();
});

// ---- Reasons -------------------------------------------------------------------------------

async function loadReasons() {
  const response = await fetch("/_mock/ui/reasons.md");
  const text = await response.text();
  for (const line of text.split("\n")) {
    const match = line.match(/^\| `([^`]+)` \| ([^|]*) \| (.*) \|$/);
    if (match) state.reasons.set(match[1], match[3].replace(/`/g, "").replace(/\[([^\]]+)\]\([^)]*\)/g, "$1"));
  }
}

function explain(reason) {
  if (!reason || reason === "–") return "";
  if (reason.startsWith("fault.rule=")) return "A fault rule answered instead of the route: " + reason.slice(11) + ".";
  return state.reasons.get(reason) || "";
}

// ---- Operations ------------------------------------------------------------------------------

async function loadOperations() {
  const answer = await control("GET", "/_mock/operations", { quiet: true });
  if (answer.status !== 200 || !answer.json) return;
  state.operations = answer.json.operations;
  const rows = state.operations.map((op) => {
    const row = document.createElement("tr");
    row.tabIndex = 0;
    row.dataset.operation = op.id;
    if (op.id === state.selectedOperation) row.className = "selected";
    cell(row, op.created.replace("T", " ").replace(/\.\d+Z$/, "Z"));
    cell(row, op.publisher);
    cell(row, op.offer);
    cell(row, op.type);
    cell(row, op.status, "operation-status");
    cell(row, op.id);
    const open = () => selectOperation(op.id);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    return row;
  });
  $("operations-table").tBodies[0].replaceChildren(...rows);
  if (state.selectedOperation) showOperation();
}

function selectOperation(id) {
  state.selectedOperation = id;
  for (const row of $("operations-table").tBodies[0].rows) {
    row.className = row.dataset.operation === id ? "selected" : "";
  }
  showOperation();
}

async function showOperation() {
  const op = state.operations.find((o) => o.id === state.selectedOperation);
  if (!op) return;
  const answer = await api("GET", `/api/publishers/${op.publisher}/offers/${op.offer}/operations/${op.id}?${Q}`,
                           { quiet: true });
  if (answer.status !== 200 || !answer.json) return;
  const detail = answer.json;
  $("operation-detail").hidden = false;
  $("operation-id").textContent = op.id;
  $("operation-status").textContent = detail.status;
  $("operation-status").className = "operation-detail-status";
  const steps = detail.steps || [];
  $("operation-steps").replaceChildren(...steps.map((step) => {
    const li = document.createElement("li");
    li.dataset.step = step.id || step.stepName;
    li.append(`${step.stepName}: `);
    const status = document.createElement("span");
    status.className = "step-status";
    status.textContent = step.status;
    li.append(status);
    if (step.progressPercentage !== undefined) li.append(` (${step.progressPercentage} %)`);
    return li;
  }));
  const select = $("fail-step");
  const chosen = select.value;
  select.replaceChildren(...steps.map((step) => {
    const option = document.createElement("option");
    option.value = step.id || step.stepName;
    option.textContent = step.stepName;
    return option;
  }));
  if (steps.some((s) => (s.id || s.stepName) === chosen)) select.value = chosen;
}

$("op-complete").addEventListener("click", async () => {
  await control("POST", `/_mock/operations/${state.selectedOperation}/complete`);
  scheduleRefresh();
});
$("op-fail").addEventListener("click", async () => {
  await control("POST", `/_mock/operations/${state.selectedOperation}/fail`,
                { body: { step: $("fail-step").value, message: $("fail-message").value } });
  scheduleRefresh();
});
$("op-cancel").addEventListener("click", async () => {
  const op = state.operations.find((o) => o.id === state.selectedOperation);
  if (!op) return;
  await api("POST", `/api/publishers/${op.publisher}/offers/${op.offer}/cancel?${Q}`);
  scheduleRefresh();
});

// ---- Requests ------------------------------------------------------------------------------

async function loadJournal() {
  const since = state.lastSeq ? `?since=${state.lastSeq}` : "";
  const answer = await control("GET", "/_mock/journal" + since, { quiet: true });
  if (answer.status !== 200 || !answer.json) return;
  const fresh = answer.json.entries || answer.json.requests || [];
  if (answer.json.lastSeq) state.lastSeq = Math.max(state.lastSeq, answer.json.lastSeq);
  state.journal = fresh.concat(state.journal).slice(0, 500);
  renderJournal();
}

function renderJournal() {
  const status = $("filter-status").value.trim();
  const reason = $("filter-reason").value.trim().toLowerCase();
  const publisher = $("filter-publisher").value.trim().toLowerCase();
  const offer = $("filter-offer").value.trim().toLowerCase();
  const rows = state.journal.filter((entry) =>
    (!status || String(entry.status) === status) &&
    (!reason || String(entry.reason || "").toLowerCase().includes(reason)) &&
    (!publisher || String(entry.publisher || "").toLowerCase() === publisher) &&
    (!offer || String(entry.offer || "").toLowerCase() === offer)
  ).map((entry) => {
    const row = document.createElement("tr");
    row.tabIndex = 0;
    row.dataset.seq = entry.seq;
    cell(row, entry.seq);
    cell(row, entry.method);
    cell(row, entry.path + (entry.query ? "?" + entry.query : ""));
    cell(row, entry.status === null ? "dropped" : entry.status, statusClass(entry.status));
    cell(row, entry.reason || "");
    const open = () => showEntry(entry);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
    return row;
  });
  $("requests-table").tBodies[0].replaceChildren(...rows);
}

function showEntry(entry) {
  $("request-detail").hidden = false;
  $("request-seq").textContent = `#${entry.seq}`;
  $("request-reason-text").textContent = entry.reason ? `${entry.reason}: ${explain(entry.reason)}` : "A success: no reason.";
  $("request-json").textContent = JSON.stringify(entry, null, 2);
}

for (const id of ["filter-status", "filter-reason", "filter-publisher", "filter-offer"]) {
  $(id).addEventListener("input", renderJournal);
}

// ---- Faults --------------------------------------------------------------------------------

async function loadFaultExamples() {
  const response = await fetch("/_mock/ui/fault-examples.json");
  const examples = await response.json();
  $("fault-example").replaceChildren(...examples.map((example) => {
    const option = document.createElement("option");
    option.value = JSON.stringify(example.rule);
    option.textContent = example.name;
    return option;
  }));
}

async function loadFaults() {
  const answer = await control("GET", "/_mock/faults", { quiet: true });
  if (answer.status !== 200 || !Array.isArray(answer.json)) return;
  const rows = answer.json.map((fault) => {
    const row = document.createElement("tr");
    row.dataset.fault = fault.id;
    const rule = fault.rule || {};
    cell(row, fault.id);
    cell(row, fault.source);
    cell(row, JSON.stringify(rule.match || {}));
    const { match, times, seed, ...effect } = rule;
    cell(row, JSON.stringify(effect));
    cell(row, fault.fired);
    cell(row, fault.remaining === null || fault.remaining === undefined ? "∞" : fault.remaining);
    row.insertCell().append(button("Remove", async () => {
      await control("DELETE", "/_mock/faults/" + encodeURIComponent(fault.id));
      loadFaults();
    }, { "data-remove": fault.id }));
    return row;
  });
  $("faults-table").tBodies[0].replaceChildren(...rows);
}

$("fault-add").addEventListener("click", async () => {
  await control("POST", "/_mock/faults", { body: $("fault-example").value });
  loadFaults();
});

// ---- Coverage ------------------------------------------------------------------------------

async function loadCoverage() {
  const answer = await control("GET", "/_mock/coverage", { quiet: true });
  if (answer.status !== 200 || !answer.json) return;
  const rows = answer.json.endpoints.map((endpoint) => {
    const row = document.createElement("tr");
    cell(row, `${endpoint.method} ${endpoint.path}`);
    cell(row, endpoint.requests);
    cell(row, endpoint.statuses.seen.join(" "), "status-2");
    cell(row, endpoint.statuses.notSeen.join(" "));
    cell(row, (endpoint.reasonsSeen || []).join(" "));
    return row;
  });
  $("coverage-table").tBodies[0].replaceChildren(...rows);
}
$("coverage-refresh").addEventListener("click", loadCoverage);

// ---- Live: the event stream ------------------------------------------------------------------

/** Reads `GET /_mock/events?requests=true` with fetch (an EventSource cannot send the control
 *  token as a header); every event refreshes what it changes, once per animation frame. */
async function connectEvents() {
  if (state.stream) state.stream.abort();
  const controller = new AbortController();
  state.stream = controller;
  const headers = {};
  if (state.controlToken) headers["Authorization"] = "Bearer " + state.controlToken;
  if (state.world) headers["X-Mock-World"] = state.world;
  const since = state.lastSeq ? `&since=${state.lastSeq}` : "";
  let response;
  try {
    response = await fetch("/_mock/events?requests=true" + since, { headers, signal: controller.signal });
  } catch (_) {
    return retryEvents(controller);
  }
  if (response.status === 401) { setStream(false); askToken(); return; }
  if (!response.ok || !response.body) return retryEvents(controller);
  setStream(true);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const chunk = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (chunk.split("\n").some((line) => line.startsWith("event:"))) onEvent(chunk);
      }
    }
  } catch (_) {
    // Aborted (a world switch) or the server went: reconnect below unless replaced.
  }
  retryEvents(controller);
}

function retryEvents(controller) {
  setStream(false);
  if (state.stream === controller && !controller.signal.aborted) {
    setTimeout(() => { if (state.stream === controller) connectEvents(); }, 1000);
  }
}

function setStream(live) {
  $("stream-state").textContent = live ? "● live" : "○ offline";
  $("stream-state").className = live ? "live" : "";
}

function onEvent(chunk) {
  const kind = (chunk.match(/^event: ?(.*)$/m) || [])[1];
  if (kind === "dropped") { connectEvents(); return; }
  scheduleRefresh(kind === "request.answered" ? ["journal"] : undefined);
}

/** Refreshes, at most once per frame: the journal, operations, offers and the clock. */
function scheduleRefresh(only) {
  const parts = only || ["journal", "operations", "offers", "clock", "faults"];
  for (const part of parts) state.pending.add(part);
  if (state.refreshTimer) return;
  state.refreshTimer = requestAnimationFrame(async () => {
    state.refreshTimer = null;
    const pending = state.pending;
    state.pending = new Set();
    if (pending.has("journal")) await loadJournal();
    if (pending.has("operations")) await loadOperations();
    if (pending.has("offers")) await loadOffers();
    if (pending.has("clock")) await loadClock();
    if (pending.has("faults") && !$("tab-faults").hidden) await loadFaults();
  });
}

/** Everything, once the control plane answers; false until it does (a token is asked for). */
async function refreshAll() {
  if (!(await loadWorlds())) return false;
  await loadClock();
  await loadOperations();
  await loadOffers();
  await loadJournal();
  await loadFaults();
  return true;
}

// ---- Start ---------------------------------------------------------------------------------

document.addEventListener("keydown", (event) => {
  if (event.altKey && /^[1-6]$/.test(event.key)) selectTab(tabs[Number(event.key) - 1].dataset.tab);
});

renderCases();
Promise.all([loadReasons(), loadFaultExamples()]).then(async () => {
  if (await refreshAll()) connectEvents();
});
