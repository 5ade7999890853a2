// ringside console: validation as you type, the no-prefix warning, upload
// progress and live mirror status. Every page works without it; the
// server checks everything again.
"use strict";

(function () {
  // The same rules as catalog.ValidateBucketName and the location names.
  const rules = {
    bucket: {
      re: /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      msg: (what, v) => what + ' name "' + v + '" is invalid: use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or a digit.',
    },
    location: {
      re: /^[a-z0-9][a-z0-9_-]{0,62}$/,
      msg: (what, v) => 'Location name "' + v + '" is invalid: use 1 to 63 lowercase letters, digits, \'-\' or \'_\', starting with a letter or a digit.',
    },
  };

  function validate(input) {
    const rule = rules[input.dataset.validate];
    const out = document.getElementById(input.id + "-error");
    if (!rule || !out) return;
    const v = input.value;
    const bad = v !== "" && !rule.re.test(v);
    out.textContent = bad ? rule.msg(input.dataset.what || "", v) : "";
    out.hidden = !bad;
    input.classList.toggle("invalid", bad);
  }

  // portNote gives the documents' port advice for the endpoint typed.
  function portNote(input) {
    const out = document.getElementById("endpoint-note");
    if (!out) return;
    let note = "";
    try {
      const s = input.value.trim();
      if (s !== "") {
        const u = new URL(s.includes("://") ? s : "http://" + s);
        const port = u.port;
        if (port === "8000") note = "Port 8000 addresses the S3 Connector directly, bypassing load balancers: for diagnostic, familiarization and test purposes.";
        else if (u.protocol === "https:" && port === "80") note = "Port 80 is for HTTP; HTTPS uses port 443.";
        else if (u.protocol === "http:" && port === "443") note = "Port 443 is for HTTPS: write https:// in front.";
      }
    } catch (e) {
      note = "This does not look like a URL or a host with a port.";
    }
    out.textContent = note;
    out.hidden = note === "";
  }

  function wireForms() {
    document.querySelectorAll("input[data-validate]").forEach((input) => {
      if (input.dataset.validate === "endpoint") {
        input.addEventListener("input", () => portNote(input));
        portNote(input);
        return;
      }
      input.addEventListener("input", () => validate(input));
      validate(input);
    });
    const box = document.getElementById("noPrefix");
    const warning = document.getElementById("noprefix-warning");
    if (box && warning) {
      const show = () => { warning.hidden = !box.checked; };
      box.addEventListener("change", show);
      show();
    }
  }

  // Uploads go through XMLHttpRequest only to show progress; the form
  // posts the same fields in the same order.
  function wireUpload() {
    const form = document.getElementById("upload-form");
    const bar = document.getElementById("upload-progress");
    if (!form || !bar || !window.FormData) return;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Console-Next", "1");
      bar.hidden = false;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = Math.round((100 * e.loaded) / e.total);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 400) {
          // A refusal (a stale CSRF token, a session that ended) is text.
          bar.hidden = true;
          const out = document.getElementById("upload-error");
          if (out) {
            out.textContent = "The upload was refused: " + xhr.responseText;
            out.hidden = false;
          }
          return;
        }
        window.location.href = xhr.getResponseHeader("X-Console-Next") || xhr.responseURL || window.location.href;
      });
      xhr.addEventListener("error", () => { bar.hidden = true; alert("The upload failed: the connection was lost."); });
      xhr.send(new FormData(form));
    });
  }

  function setState(el, state) {
    el.className = el.className.replace(/\bst-\S+/g, "").trim() + " st-" + state;
  }

  function applyStatus(list) {
    list.forEach((m) => {
      const row = document.querySelector('tr[data-mirror="' + CSS.escape(m.bucket) + '"]');
      if (row) {
        row.querySelectorAll("[data-field]").forEach((cell) => {
          const v = m[cell.dataset.field];
          cell.textContent = v === undefined || v === null ? "" : String(v);
          if (cell.dataset.field === "state") setState(cell, m.state);
        });
      }
      const icon = document.querySelector('[data-ingest="' + CSS.escape(m.bucket) + '"]');
      if (icon) {
        setState(icon, m.state);
        icon.title = "Metadata ingestion active: " + m.state;
        const st = icon.querySelector(".ingest-state");
        if (st) st.textContent = m.state;
      }
    });
  }

  function poll() {
    if (!document.querySelector("[data-mirror], [data-ingest]")) return;
    const tick = () => {
      fetch("/console/api/mirror", { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then(applyStatus)
        .catch(() => {})
        .finally(() => setTimeout(tick, 2000));
    };
    setTimeout(tick, 2000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    wireForms();
    wireUpload();
    poll();
  });
})();
