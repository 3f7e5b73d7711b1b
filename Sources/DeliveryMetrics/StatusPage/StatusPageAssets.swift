/// The status page's one stylesheet and one script, inline (the page works offline and loads nothing else), and the
/// `Content-Security-Policy` that allows exactly these two by their SHA-256: a nonce cannot work on a page served
/// from a cache, and a hash can. The page works without the script: it only adds the filter, the relative times and
/// the copy buttons, which the markup keeps `hidden` until it runs.
enum StatusPageAssets {
    static let style = """
        :root{color-scheme:light dark;--bg:#fff;--fg:#1d2024;--muted:#5b6470;--line:#d8dde3;--panel:#f3f5f7;\
        --accent:#0b5cb8;--bar:#3d7fd6;--warn:#b3261e}
        @media (prefers-color-scheme:dark){:root{--bg:#15181c;--fg:#e4e7eb;--muted:#9aa4af;--line:#353b43;\
        --panel:#1f242a;--accent:#78b6ff;--bar:#5b9cf0;--warn:#ff8a80}}
        *{box-sizing:border-box}
        body{margin:0 auto;padding:1rem 1.25rem;max-width:1400px;background:var(--bg);color:var(--fg);\
        font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.08rem;margin:1.4rem 0 .4rem;overflow-wrap:anywhere}
        section h2{margin:0}a{color:var(--accent)}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em}
        code{background:var(--panel);padding:0 .25em;border-radius:3px;overflow-wrap:anywhere}
        .meta{color:var(--muted);margin:.3rem 0}
        .filter{width:100%;max-width:34rem;margin:.6rem 0;padding:.5rem .7rem;font:inherit;color:var(--fg);\
        background:var(--panel);border:1px solid var(--line);border-radius:6px}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%}
        th,td{padding:.3rem .55rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
        th{font-weight:600;color:var(--muted);font-size:.84em;white-space:nowrap}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        section{border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;margin:1rem 0}
        .help{color:var(--muted);margin:.3rem 0}
        .kind{font-size:.72em;font-weight:500;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);\
        border:1px solid var(--line);border-radius:4px;padding:0 .35em;margin-left:.5em;vertical-align:middle}
        .push{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}
        .push pre{flex:1;min-width:0;margin:0;padding:.45rem .65rem;background:var(--panel);border-radius:6px;\
        white-space:pre-wrap;word-break:break-all}
        .copy{font:inherit;font-size:.82em;padding:.35rem .7rem;color:var(--fg);background:var(--bg);\
        border:1px solid var(--line);border-radius:6px;cursor:pointer;white-space:nowrap}
        summary{cursor:pointer;color:var(--accent);margin:.45rem 0}
        tr.failed td{color:var(--warn)}
        svg.chart{display:block}svg.chart rect{fill:var(--bar)}
        [hidden]{display:none!important}
        @media (max-width:600px){body{padding:.6rem;font-size:14px}section{padding:.6rem .7rem}\
        th,td{padding:.25rem .4rem}th{white-space:normal}td a{overflow-wrap:anywhere}\
        .overview th:nth-child(2),.overview td:nth-child(2){display:none}\
        .push{flex-direction:column}.copy{align-self:flex-end}}
        """

    static let script = """
        (function () {
          "use strict";
          var filter = document.getElementById("filter");
          var count = document.getElementById("filter-count");
          var items = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
          filter.hidden = false;
          var opened = [];
          filter.addEventListener("input", function () {
            var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);
            var sections = 0;
            // A match may be a label value in a folded list: unfold it while the filter holds, fold it back after.
            opened.forEach(function (details) { details.open = false; });
            opened = [];
            items.forEach(function (item) {
              var text = item.getAttribute("data-filter");
              var match = words.every(function (word) { return text.indexOf(word) >= 0; });
              item.hidden = !match;
              if (match && item.tagName === "SECTION") {
                sections += 1;
                if (words.length) {
                  item.querySelectorAll("details:not([open])").forEach(function (details) {
                    details.open = true;
                    opened.push(details);
                  });
                }
              }
            });
            count.textContent = words.length ? sections + (sections === 1 ? " section matches" : " sections match") : "";
          });
          function ago(seconds) {
            var units = [[86400, "d"], [3600, "h"], [60, "min"]];
            for (var i = 0; i < units.length; i += 1) {
              if (seconds >= units[i][0]) { return Math.floor(seconds / units[i][0]) + " " + units[i][1] + " ago"; }
            }
            return seconds >= 10 ? Math.floor(seconds) + " s ago" : "just now";
          }
          var times = Array.prototype.slice.call(document.querySelectorAll("time[datetime]"));
          times.forEach(function (time) { time.title = time.textContent; });
          function relative() {
            var now = Date.now();
            times.forEach(function (time) {
              var then = Date.parse(time.getAttribute("datetime"));
              if (!isNaN(then)) { time.textContent = ago(Math.max(0, (now - then) / 1000)); }
            });
          }
          relative();
          setInterval(relative, 30000);
          document.querySelectorAll("button.copy").forEach(function (button) {
            button.hidden = false;
            button.addEventListener("click", function () {
              var line = button.previousElementSibling;
              function select() {
                var range = document.createRange();
                range.selectNodeContents(line);
                var selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                button.textContent = "selected: press Ctrl+C";
                later();
              }
              function later() { setTimeout(function () { button.textContent = "copy"; }, 4000); }
              if (navigator.clipboard && window.isSecureContext) {
                navigator.clipboard.writeText(line.textContent).then(function () {
                  button.textContent = "copied";
                  later();
                }, select);
              } else {
                select();
              }
            });
          });
        })();
        """

    /// Nothing but the two inline assets, and `data:` for the empty favicon (so the browser asks for none).
    static let contentSecurityPolicy =
        "default-src 'none'; style-src '\(hash(style))'; script-src '\(hash(script))'; img-src data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func hash(_ text: String) -> String {
        "sha256-" + Base64.encode(SHA256.digest(Array(text.utf8)))
    }
}
