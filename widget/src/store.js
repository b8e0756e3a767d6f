// The conversation kept across page reloads: session id, transcript, banner, open state.
//
// sessionStorage, not localStorage, on purpose: this is a health conversation, and the
// patient may be on a shared computer (a family PC, a library, a waiting room). sessionStorage
// belongs to the one browser tab and is gone when the tab is closed, so the next person who
// opens the clinic's site does not see it; a reload of the same tab still restores it.
const VERSION = 1;
const MAX_ITEMS = 300;

export function createStore(serverUrl) {
  const key = `backpain-widget:v${VERSION}:${serverUrl}`;
  let storage = null;
  try {
    storage = window.sessionStorage;
    storage.getItem(key);
  } catch {
    storage = null; // storage blocked (privacy settings): the chat still works, just not kept
  }
  return {
    load() {
      try {
        const state = JSON.parse(storage?.getItem(key) || "null");
        if (state && typeof state.sessionId === "string" && Array.isArray(state.items)) return state;
      } catch {
        /* a damaged entry starts a new conversation */
      }
      return null;
    },
    save(state) {
      try {
        storage?.setItem(key, JSON.stringify({ ...state, items: state.items.slice(-MAX_ITEMS) }));
      } catch {
        /* quota or blocked: keep going without persistence */
      }
    },
  };
}

export function newSessionId() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
