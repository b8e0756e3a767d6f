// Turning the bot's socket.io messages into one rendered answer.
//
// Rasa's socket.io output splits every text at blank lines ("\n\n") into separate messages and
// attaches buttons (as `quick_replies`) to the last one. Each turn ends with the reply contract,
// {"custom": {...}}, whose `source_line` and `disclaimer` are the exact strings that end the
// turn's text. So the widget collects a turn's texts until the contract arrives, then splits
// off the source line and the disclaimer to show them set apart. The contract itself is data,
// never shown.

function stripSuffix(text, suffix) {
  if (suffix && text.endsWith(suffix)) return { text: text.slice(0, -suffix.length).trimEnd(), found: true };
  return { text, found: false };
}

// -> {role: "bot", paragraphs, source, disclaimer, language, urgency, emergencyNumber}
export function assembleTurn(texts, contract) {
  const c = contract || {};
  let body = texts.join("\n\n");
  const disclaimer = typeof c.disclaimer === "string" ? c.disclaimer : null;
  const source = typeof c.source_line === "string" ? c.source_line : null;
  body = stripSuffix(body, disclaimer).text;
  body = stripSuffix(body, source).text;
  return {
    role: "bot",
    paragraphs: body.split(/\n{2,}/).filter((p) => p.trim() !== ""),
    source,
    disclaimer,
    language: c.language === "de" ? "de" : c.language === "en" ? "en" : null,
    urgency: typeof c.urgency === "string" ? c.urgency : "none",
    emergencyNumber: typeof c.emergency_number === "string" ? c.emergency_number : null,
  };
}

// Quick replies as the widget keeps them: only a title (shown) and a payload (sent).
export function quickReplies(message) {
  const list = Array.isArray(message.quick_replies) ? message.quick_replies : message.buttons;
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
}

// Only digits and a leading + may go into a tel: link.
export function telNumber(number) {
  const cleaned = String(number || "").replace(/[^\d+]/g, "");
  return /^\+?\d{2,15}$/.test(cleaned) ? cleaned : null;
}
