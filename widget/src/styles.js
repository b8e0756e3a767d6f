// The widget's styles, scoped to its shadow root: the clinic's page CSS cannot reach inside,
// and `all: initial` on the host stops inherited fonts/colours leaking in.
export const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.root {
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a;
}
button, textarea { font: inherit; }
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%; border: none; cursor: pointer;
  background: #0b5cad; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.3);
  display: flex; align-items: center; justify-content: center;
}
.launcher svg { width: 30px; height: 30px; fill: currentColor; }
/* Focus ring: at least 3:1 against what surrounds it (WCAG 1.4.11). Dark navy #0b3d6e on the
   light panel (10.2:1 on #f4f6f8, 11.0:1 on white, 9.6:1 on the notice's #e8f0fa); white on
   the blue header (6.7:1) and the red banner (7.3:1). The launcher sits on the clinic's page,
   whose colour is unknown: a white 2 px band inside a near-black ring (#1a1a1a, 17.4:1 to
   white), so one of the two stands out on any page. tests/browser/test_widget.py checks this. */
button:focus-visible, textarea:focus-visible, a:focus-visible, .log:focus-visible {
  outline: 3px solid #0b3d6e; outline-offset: 2px;
}
.log:focus-visible { outline-offset: -3px; }
.header button:focus-visible, .banner a:focus-visible { outline-color: #fff; }
.launcher:focus-visible {
  outline: 3px solid #1a1a1a; outline-offset: 2px;
  box-shadow: 0 0 0 2px #fff, 0 4px 14px rgba(0,0,0,.3);
}
.panel {
  position: fixed; right: 20px; bottom: 92px; z-index: 2147483001;
  width: 380px; height: min(620px, calc(100vh - 112px));
  display: flex; flex-direction: column; overflow: hidden;
  background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.3);
}
.panel[hidden] { display: none; }
.header {
  display: flex; align-items: center; gap: 8px; padding: 12px 14px;
  background: #0b5cad; color: #fff;
}
.header h2 { flex: 1; margin: 0; font-size: 17px; font-weight: 600; }
.close {
  border: none; background: transparent; color: #fff; cursor: pointer;
  width: 36px; height: 36px; border-radius: 6px; font-size: 24px; line-height: 1;
}
.banner {
  padding: 12px 14px; background: #b00020; color: #fff; font-weight: 700; font-size: 16px;
  border-bottom: 3px solid #6d0014;
}
.banner[hidden] { display: none; }
.banner a {
  display: inline-block; margin-top: 6px; padding: 6px 14px; border-radius: 6px;
  background: #fff; color: #b00020; font-size: 18px; text-decoration: none;
}
.status { padding: 8px 14px; background: #fff4ce; color: #5a4300; font-size: 14px; }
.status[hidden] { display: none; }
.log { position: relative; flex: 1; overflow-y: auto; padding: 12px; background: #f4f6f8; }
.notice {
  margin: 0 0 12px; padding: 10px 12px; border-radius: 8px;
  background: #e8f0fa; border: 1px solid #b9cfe8; font-size: 13.5px;
}
.notice h3 { margin: 0 0 4px; font-size: 14px; }
.notice p { margin: 0 0 4px; }
.notice a { color: #0b4a8a; font-weight: 700; }
.msg { max-width: 88%; margin: 0 0 10px; padding: 9px 12px; border-radius: 12px; }
.msg.user { margin-left: auto; background: #0b5cad; color: #fff; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.bot { background: #fff; border: 1px solid #dde3ea; overflow-wrap: anywhere; }
.msg.error { max-width: 100%; background: #fdecea; border: 1px solid #f0b4ad; color: #7a1d12; }
.msg p { margin: 0 0 8px; }
.msg p:last-child { margin-bottom: 0; }
.line { display: block; }
.line.item { padding-left: 1.3em; text-indent: -1.3em; margin: 2px 0; }
.source { margin-top: 8px; font-size: 13px; color: #3d4a57; font-style: italic; }
.disclaimer {
  margin-top: 8px; padding-top: 6px; border-top: 1px solid #dde3ea;
  font-size: 12px; color: #4a5663;
}
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap;
}
.replies { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 10px; }
.reply {
  border: 1px solid #0b5cad; background: #fff; color: #0b5cad; border-radius: 16px;
  padding: 6px 12px; cursor: pointer; font-size: 14px;
}
.reply:hover { background: #e8f0fa; }
.typing { padding: 4px 14px 6px; font-size: 13px; color: #4a5663; background: #f4f6f8; }
.typing[hidden] { display: none; }
.dots span {
  display: inline-block; width: 6px; height: 6px; margin-right: 3px; border-radius: 50%;
  background: #4a5663; animation: blink 1.2s infinite both;
}
.dots span:nth-child(2) { animation-delay: .2s; }
.dots span:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .dots span { animation: none; } }
.composer { border-top: 1px solid #dde3ea; padding: 8px 10px 6px; background: #fff; }
.row { display: flex; gap: 8px; align-items: flex-end; }
textarea {
  flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 10px;
  border: 1px solid #8a96a3; border-radius: 8px; color: #1a1a1a; background: #fff;
}
.send {
  height: 40px; min-width: 44px; border: none; border-radius: 8px; cursor: pointer;
  background: #0b5cad; color: #fff; padding: 0 12px;
}
.send svg { width: 20px; height: 20px; fill: currentColor; vertical-align: middle; }
.hold { margin: 0 0 6px; padding: 6px 8px; border-radius: 6px; background: #fff4ce; color: #5a4300; font-size: 13px; }
.hold[hidden] { display: none; }
.send[aria-disabled="true"] { background: #6b7785; cursor: not-allowed; }
.counter { margin-top: 3px; font-size: 11.5px; color: #5b6670; text-align: right; }
.counter.full { color: #b00020; font-weight: 600; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }
  .root.open .launcher { display: none; }
  .msg { max-width: 94%; }
}
`;
