// Everything the widget itself says, in the two languages the assistant speaks.
export const STRINGS = {
  en: {
    title: "Back pain assistant",
    open: "Open the back pain assistant chat",
    close: "Close the chat",
    send: "Send message",
    inputLabel: "Your message",
    placeholder: "Type your question…",
    log: "Conversation with the back pain assistant",
    noticeHeading: "Before you start",
    notice: [
      "This is an automated assistant, not a person.",
      "It is not for emergencies: in an emergency call ",
      "It gives general information and cannot make a diagnosis.",
      "Your conversation is kept on the clinic's server and read by clinic staff to follow up " +
        "and to improve the assistant. Names, contact details and ID numbers are removed " +
        "before it is stored, and it is deleted after a set period. Please share no more " +
        "personal details than needed.",
    ],
    you: "You",
    bot: "Assistant",
    typing: "The assistant is typing…",
    connecting: "Connecting…",
    reconnecting: "Reconnecting… The connection to the server was lost.",
    notConfigured: "The chat is not configured (data-server-url is missing or not a web address).",
    refusedOrigin:
      "This page is not allowed to use the assistant. Please contact the clinic another way; " +
      "in an emergency call the emergency number.",
    waitForAnswer:
      "Please wait for the answer to your last message before sending the next one. " +
      "What you typed stays in the box.",
    sendOffline:
      "Your message could not be sent: there is no connection to the server right now. " +
      "It is still in the input box; please try again in a moment.",
    noAnswer: "No answer arrived. Please send your message again.",
    notAnswered: (number) =>
      `The server could not answer this message. Please send it again; in an emergency call ${number}.`,
    lostAnswer: "The connection was lost before the answer arrived. Please send your message again.",
    counter: (n, max) => `${n} / ${max} characters`,
    tooLong: (max) => `Messages are limited to ${max} characters.`,
    emergency: "This can be an emergency. Call the emergency number now:",
    urgent: "Please see a doctor today. If it gets much worse, call:",
    call: (number) => `Call ${number}`,
  },
  de: {
    title: "Rückenschmerz-Assistent",
    open: "Chat mit dem Rückenschmerz-Assistenten öffnen",
    close: "Chat schließen",
    send: "Nachricht senden",
    inputLabel: "Ihre Nachricht",
    placeholder: "Ihre Frage…",
    log: "Gespräch mit dem Rückenschmerz-Assistenten",
    noticeHeading: "Bevor Sie beginnen",
    notice: [
      "Dies ist ein automatischer Assistent, kein Mensch.",
      "Er ist nicht für Notfälle gedacht: Im Notfall rufen Sie die ",
      "Er gibt allgemeine Informationen und kann keine Diagnose stellen.",
      "Ihr Gespräch wird auf dem Server der Klinik gespeichert und von Mitarbeitenden der Klinik " +
        "gelesen, um nachzufassen und den Assistenten zu verbessern. Namen, Kontaktdaten und " +
        "Ausweis- oder Versichertennummern werden vor dem Speichern entfernt, und das Gespräch " +
        "wird nach einer festen Frist gelöscht. Bitte geben Sie nur so viele persönliche " +
        "Angaben wie nötig an.",
    ],
    you: "Sie",
    bot: "Assistent",
    typing: "Der Assistent schreibt…",
    connecting: "Verbindung wird aufgebaut…",
    reconnecting: "Verbindung wird wiederhergestellt… Die Verbindung zum Server ist unterbrochen.",
    notConfigured: "Der Chat ist nicht eingerichtet (data-server-url fehlt oder ist keine Webadresse).",
    refusedOrigin:
      "Diese Seite darf den Assistenten nicht verwenden. Bitte wenden Sie sich auf anderem Weg " +
      "an die Klinik; im Notfall rufen Sie den Notruf.",
    waitForAnswer:
      "Bitte warten Sie die Antwort auf Ihre letzte Nachricht ab, bevor Sie die nächste senden. " +
      "Ihr Text bleibt im Eingabefeld.",
    sendOffline:
      "Ihre Nachricht konnte nicht gesendet werden: Zurzeit besteht keine Verbindung zum " +
      "Server. Sie steht noch im Eingabefeld; bitte versuchen Sie es gleich noch einmal.",
    noAnswer: "Es kam keine Antwort. Bitte senden Sie Ihre Nachricht noch einmal.",
    notAnswered: (number) =>
      `Der Server konnte diese Nachricht nicht beantworten. Bitte senden Sie sie noch einmal; im Notfall rufen Sie ${number}.`,
    lostAnswer:
      "Die Verbindung wurde unterbrochen, bevor die Antwort kam. Bitte senden Sie Ihre " +
      "Nachricht noch einmal.",
    counter: (n, max) => `${n} / ${max} Zeichen`,
    tooLong: (max) => `Nachrichten sind auf ${max} Zeichen begrenzt.`,
    emergency: "Das kann ein Notfall sein. Rufen Sie jetzt den Notruf:",
    urgent: "Bitte gehen Sie heute noch zu einer Ärztin oder einem Arzt. Wenn es deutlich schlimmer wird:",
    call: (number) => `${number} anrufen`,
  },
};

export function strings(language) {
  return STRINGS[language] || STRINGS.en;
}
