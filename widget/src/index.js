// The back-pain assistant's website widget. Embed with one tag:
//   <script src="backpain-widget.js" data-server-url="https://bot.clinic.example"
//           data-language="de" data-title="Rückenschmerz-Assistent"></script>
// Options (docs/widget.md): data-socket-path, data-emergency-number, data-reply-timeout.
//
// Security rule for this file: everything the patient types or the bot says is put on the page
// as text (textContent / createTextNode), never as HTML.
import { io } from "socket.io-client";
import { strings } from "./strings.js";
import { assembleTurn, quickReplies, telNumber } from "./turns.js";
import { createStore, newSessionId } from "./store.js";
import { CSS } from "./styles.js";

const MAX_LENGTH = 1000;
const REPLY_TIMEOUT_MS = 30000;
// A turn's texts with no contract after this long are shown as they are.
const CONTRACT_GRACE_MS = 3000;

// Read while the script runs; a tag manager may insert it so that currentScript is unset.
const script = document.currentScript || document.querySelector("script[data-server-url]");

// A configuration mistake is named in the console for the site's developer; the widget then
// uses the safe default (or, without a usable server address, says it is not configured).
function configError(message) {
  console.error(`backpain-widget: ${message}`);
}

// "https://clinic.example/bot" -> origin "https://clinic.example", base path "/bot". The
// origin alone goes to io(): socket.io-client would take a path in the URL for a namespace.
function serverAddress(raw) {
  if (!raw) return null;
  try {
    const url = new URL(raw, document.baseURI);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
    return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") };
  } catch {
    configError(`data-server-url is not an http(s) address: "${raw}"`);
    return null;
  }
}

function socketPath(raw, address) {
  const fallback = `${address ? address.basePath : ""}/socket.io`;
  if (raw == null || raw === "") return fallback;
  if (/^\/[^?#\s]*$/.test(raw)) return raw;
  configError(`data-socket-path must be a path starting with "/" (got "${raw}"); using "${fallback}"`);
  return fallback;
}

function emergencyNumber(raw) {
  if (raw == null || raw === "") return null;
  const number = telNumber(raw);
  if (!number) configError(`data-emergency-number is not a phone number: "${raw}"`);
  return number;
}

function readConfig() {
  const data = (script && script.dataset) || {};
  const pageLanguage = (document.documentElement.lang || "").slice(0, 2).toLowerCase();
  const language = ["en", "de"].includes(data.language) ? data.language : pageLanguage === "de" ? "de" : "en";
  const timeout = Number(data.replyTimeout);
  const serverUrl = (data.serverUrl || "").trim().replace(/\/+$/, "");
  const address = serverAddress(serverUrl);
  return {
    serverUrl,
    serverOrigin: address ? address.origin : "",
    socketPath: socketPath(data.socketPath, address),
    emergencyNumber: emergencyNumber(data.emergencyNumber),
    language,
    title: data.title || strings(language).title,
    replyTimeout: timeout > 0 ? timeout : REPLY_TIMEOUT_MS,
  };
}

// A tiny element builder: attributes and text only, no HTML strings.
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value == null) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

// Static icons, built as SVG elements (no data involved).
function icon(pathData) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", pathData);
  svg.append(path);
  return svg;
}
const CHAT_ICON = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2zm3 6v2h10V9H7zm0 4v2h7v-2H7z";
const SEND_ICON = "M2 21 23 12 2 3v7l15 2-15 2z";

// Keeps line breaks; list lines ("1. ", "• ", "- ") get a hanging indent.
function paragraph(text) {
  const p = el("p");
  for (const line of text.split("\n")) {
    const isItem = /^\s*(\d+[.)]|[•\-*–])\s/.test(line);
    p.append(el("span", { class: isItem ? "line item" : "line" }, line));
  }
  return p;
}

function mount(config) {
  const t = strings(config.language);
  const store = createStore(config.serverUrl);
  const state = store.load() || { sessionId: newSessionId(), items: [], banner: null, replies: [], open: false };
  const save = () => store.save(state);
  // The number to call: the page's data-emergency-number, else the last one the server sent
  // (BOT_EMERGENCY_NUMBER, in an urgent answer), else 112.
  const numberToCall = () => config.emergencyNumber || telNumber(state.serverNumber) || "112";
  const fullScreen = window.matchMedia("(max-width: 480px)"); // as in styles.js

  const host = document.createElement("backpain-widget");
  const shadow = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.append(el("style", {}, CSS));
  }

  const ids = { panel: "bpw-panel", title: "bpw-title", input: "bpw-input", counter: "bpw-counter" };
  const launcher = el("button", { class: "launcher", type: "button", "aria-label": t.open, "aria-expanded": "false", "aria-controls": ids.panel }, icon(CHAT_ICON));
  const closeButton = el("button", { class: "close", type: "button", "aria-label": t.close }, "×");
  const banner = el("div", { class: "banner", role: "alert", hidden: true });
  const status = el("div", { class: "status", role: "status", hidden: true });
  const noticeNumber = el("a", { class: "number" });
  const notice = el(
    "div",
    { class: "notice" },
    el("h3", {}, t.noticeHeading),
    el("p", {}, t.notice[0]),
    el("p", {}, t.notice[1], noticeNumber, "."),
    el("p", {}, t.notice[2]),
    el("p", {}, t.notice[3]),
  );
  const messages = el("div", { class: "messages" });
  const replies = el("div", { class: "replies" });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0" }, notice, messages, replies);
  const typing = el("div", { class: "typing", role: "status", hidden: true }, el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")), " ", t.typing);
  const input = el("textarea", { id: ids.input, rows: "1", maxlength: String(MAX_LENGTH), placeholder: t.placeholder, "aria-describedby": ids.counter, autocomplete: "off" });
  const sendButton = el("button", { class: "send", type: "submit", "aria-label": t.send }, icon(SEND_ICON));
  const counter = el("div", { class: "counter", id: ids.counter, "aria-live": "polite" });
  // Said (and announced) when the patient tries to send while the last answer is awaited.
  const hold = el("div", { class: "hold", role: "status", hidden: true });
  const form = el("form", { class: "composer" }, hold, el("label", { class: "visually-hidden", for: ids.input }, t.inputLabel), el("div", { class: "row" }, input, sendButton), counter);
  const panel = el(
    "div",
    { class: "panel", id: ids.panel, role: "dialog", "aria-labelledby": ids.title, hidden: true, lang: config.language },
    el("div", { class: "header" }, el("h2", { id: ids.title }, config.title), closeButton),
    banner,
    status,
    log,
    typing,
    form,
  );
  const root = el("div", { class: "root" }, panel, launcher);
  shadow.append(root);
  document.body.append(host);

  // --- rendering -------------------------------------------------------------------------
  function renderItem(item) {
    if (item.role === "user") {
      return el("div", { class: "msg user" }, el("span", { class: "visually-hidden" }, `${t.you}: `), item.text);
    }
    if (item.role === "error") return el("div", { class: "msg error" }, item.text);
    const bubble = el("div", { class: "msg bot", lang: item.language || false }, el("span", { class: "visually-hidden" }, `${t.bot}: `));
    for (const text of item.paragraphs) bubble.append(paragraph(text));
    if (item.source) bubble.append(el("p", { class: "source" }, item.source));
    if (item.disclaimer) bubble.append(el("p", { class: "disclaimer" }, item.disclaimer));
    return bubble;
  }

  function renderReplies() {
    replies.replaceChildren(
      ...state.replies.map((reply) => {
        const button = el("button", { class: "reply", type: "button" }, reply.title);
        button.addEventListener("click", () => {
          send(reply.payload, reply.title);
          input.focus();
        });
        return button;
      }),
    );
  }

  function renderBanner() {
    const b = state.banner;
    banner.hidden = !b;
    if (!b) return banner.replaceChildren();
    const bt = strings(b.language);
    const number = telNumber(b.number) || numberToCall();
    banner.replaceChildren(
      el("div", {}, b.urgency === "emergency" ? bt.emergency : bt.urgent),
      el("a", { href: `tel:${number}` }, bt.call(number)),
    );
    banner.setAttribute("lang", b.language);
  }

  function renderNoticeNumber() {
    const number = numberToCall();
    noticeNumber.textContent = number;
    noticeNumber.setAttribute("href", `tel:${number}`);
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function add(item) {
    state.items.push(item);
    const node = renderItem(item);
    messages.append(node);
    save();
    // A long answer is shown from its first line, not its last.
    if (item.role === "bot" && node.offsetHeight > log.clientHeight - replies.offsetHeight) {
      log.scrollTop = node.offsetTop - 8;
    } else {
      scrollToEnd();
    }
  }

  function updateCounter() {
    const n = input.value.length;
    counter.textContent = n >= MAX_LENGTH ? `${t.counter(n, MAX_LENGTH)} — ${t.tooLong(MAX_LENGTH)}` : t.counter(n, MAX_LENGTH);
    counter.classList.toggle("full", n >= MAX_LENGTH);
  }

  // --- open / close ----------------------------------------------------------------------
  function setOpen(open, { focus = true } = {}) {
    panel.hidden = !open;
    markModal();
    root.classList.toggle("open", open);
    launcher.setAttribute("aria-expanded", String(open));
    state.open = open;
    save();
    if (open) {
      scrollToEnd();
      if (focus) input.focus();
      connect();
    } else if (focus) {
      launcher.focus();
    }
  }
  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
    } else if (event.key === "Tab" && fullScreen.matches) {
      trapFocus(event);
    }
  });

  // Full screen (a phone), the panel covers the page: Tab and Shift+Tab go round inside it
  // instead of reaching the hidden page behind, and screen readers are told it is modal.
  function markModal() {
    if (fullScreen.matches && !panel.hidden) panel.setAttribute("aria-modal", "true");
    else panel.removeAttribute("aria-modal");
  }
  fullScreen.addEventListener("change", markModal);

  function focusStops() {
    const candidates = panel.querySelectorAll("button, textarea, a[href], [tabindex='0']");
    return [...candidates].filter((e) => !e.disabled && e.getClientRects().length > 0);
  }

  function trapFocus(event) {
    const stops = focusStops();
    if (!stops.length) return;
    const at = stops.indexOf(shadow.activeElement);
    const first = stops[0];
    const last = stops[stops.length - 1];
    if (event.shiftKey && (at <= 0)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (at === -1 || at === stops.length - 1)) {
      event.preventDefault();
      first.focus();
    }
  }

  // --- connection --------------------------------------------------------------------------
  let socket = null;
  let refused = false; // the server refused this page's origin: no retrying
  let pending = null; // {timer} while a reply is awaited: one question at a time
  let turnTexts = [];
  let turnReplies = [];
  let graceTimer = null;

  function setStatus(text) {
    status.hidden = !text;
    status.textContent = text || "";
  }

  function stopWaiting() {
    if (pending) clearTimeout(pending.timer);
    pending = null;
    typing.hidden = true;
    hold.hidden = true;
    hold.textContent = "";
    sendButton.removeAttribute("aria-disabled");
  }

  function startWaiting() {
    typing.hidden = false;
    sendButton.setAttribute("aria-disabled", "true");
    pending = { timer: setTimeout(() => failPending(t.noAnswer), config.replyTimeout) };
  }

  function failPending(message) {
    if (!pending) return;
    stopWaiting();
    add({ role: "error", text: message });
  }

  function finishTurn(contract) {
    clearTimeout(graceTimer);
    const item = assembleTurn(turnTexts, contract);
    if (item.paragraphs.length || item.source || item.disclaimer) add(item);
    state.replies = turnReplies;
    // The banner stays for the rest of the conversation; an emergency is never downgraded.
    const rank = { urgent: 1, emergency: 2 };
    if (contract && telNumber(item.emergencyNumber)) {
      state.serverNumber = telNumber(item.emergencyNumber);
      renderNoticeNumber();
    }
    if (contract && rank[item.urgency] && rank[item.urgency] >= (rank[state.banner?.urgency] || 0)) {
      state.banner = { urgency: item.urgency, number: item.emergencyNumber, language: item.language || config.language };
      renderBanner();
    }
    turnTexts = [];
    turnReplies = [];
    renderReplies();
    save();
    stopWaiting();
  }

  function onBotMessage(message) {
    if (!message || typeof message !== "object") return;
    if (message.custom && typeof message.custom === "object") return finishTurn(message.custom);
    if (typeof message.text === "string") turnTexts.push(message.text);
    const buttons = quickReplies(message);
    if (buttons.length) turnReplies = buttons;
    clearTimeout(graceTimer);
    graceTimer = setTimeout(() => finishTurn(null), CONTRACT_GRACE_MS);
  }

  // engineio refuses a page whose origin is not in BOT_WIDGET_ORIGINS with HTTP 400 "<origin>
  // is not an accepted origin." (readable to the page: channels/website_socketio.py). A server
  // that is down or unreachable gives status 0 instead.
  function originRefused(error) {
    if (!error || error.description !== 400) return false;
    try {
      return /not an accepted origin/.test(error.context?.responseText || "");
    } catch {
      return false;
    }
  }

  function connect() {
    if (socket || !config.serverOrigin || refused) return;
    setStatus(t.connecting);
    socket = io(config.serverOrigin, { path: config.socketPath, reconnectionDelayMax: 5000 });
    socket.on("connect", () => {
      setStatus(null);
      // The same session id after a reload or reconnect: the server continues the conversation.
      socket.emit("session_request", { session_id: state.sessionId });
    });
    socket.on("session_confirm", (id) => {
      if (typeof id === "string" && id && id !== state.sessionId) {
        state.sessionId = id;
        save();
      }
    });
    socket.on("bot_uttered", onBotMessage);
    // The server refused or could not answer what was sent (channels/website_socketio.py):
    // the patient is told at once instead of waiting for the reply timeout.
    socket.on("request_error", (error) => {
      if (error?.event === "user_uttered") failPending(t.notAnswered(numberToCall()));
    });
    socket.on("disconnect", () => {
      setStatus(t.reconnecting);
      failPending(t.lostAnswer);
    });
    socket.on("connect_error", (error) => {
      if (!originRefused(error)) return setStatus(t.reconnecting);
      // Retrying cannot help until the clinic adds this page's origin on the server.
      refused = true;
      socket.io.reconnection(false);
      socket.disconnect();
      setStatus(t.refusedOrigin);
    });
    socket.io.on("reconnect_attempt", () => setStatus(t.reconnecting));
  }

  function send(text, shownAs = text) {
    const message = text.trim().slice(0, MAX_LENGTH);
    if (!message) return false;
    if (pending) {
      // Held, not sent: an answer written before the last one arrived could be taken as the
      // reply to a question that answer asks. The text stays in the box.
      hold.hidden = false;
      hold.textContent = t.waitForAnswer;
      return false;
    }
    if (refused) {
      add({ role: "error", text: t.refusedOrigin });
      return false;
    }
    if (!socket || !socket.connected) {
      add({ role: "error", text: t.sendOffline });
      return false;
    }
    state.replies = [];
    renderReplies();
    add({ role: "user", text: shownAs.trim().slice(0, MAX_LENGTH) });
    socket.emit("user_uttered", { message, session_id: state.sessionId });
    startWaiting();
    scrollToEnd();
    return true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (send(input.value)) input.value = "";
    updateCounter();
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter starts a new line.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("input", updateCounter);

  // --- restore -------------------------------------------------------------------------------
  for (const item of state.items) messages.append(renderItem(item));
  renderReplies();
  renderBanner();
  renderNoticeNumber();
  updateCounter();
  if (!config.serverOrigin) {
    setStatus(t.notConfigured);
  } else if (state.open) {
    setOpen(true, { focus: false });
  }
  save();
}

function start() {
  if (document.querySelector("backpain-widget")) return; // the tag was included twice
  const config = readConfig();
  if (document.body) mount(config);
  else document.addEventListener("DOMContentLoaded", () => mount(config), { once: true });
}

start();
