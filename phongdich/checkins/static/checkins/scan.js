// Staff scanner: reads personal QR codes with the camera (BarcodeDetector, else jsQR) or from the text box
// (keyboard scanners type the code and press Enter), and sends each to the check-in API.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var texts = document.getElementById("messages").dataset;
  var apiUrl = root.dataset.apiUrl;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var entrance = document.getElementById("entrance");
  var result = document.getElementById("result");
  var manual = document.getElementById("manual");
  var manualInput = document.getElementById("manual-token");
  var video = document.getElementById("camera");
  var toggle = document.getElementById("camera-toggle");
  var note = document.getElementById("camera-note");
  // The camera sees the same code many times a second: one request per code per few seconds.
  var recent = new Map();
  var REPEAT_MS = 4000;

  var saved = localStorage.getItem("phongdich.scan.entrance");
  if (saved && Array.prototype.some.call(entrance.options, function (o) { return o.value === saved; })) {
    entrance.value = saved;
  }
  entrance.addEventListener("change", function () { localStorage.setItem("phongdich.scan.entrance", entrance.value); });

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);  // randomUUID needs a secure context; getRandomValues does not
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function show(state, initials, title, detail, retry) {
    result.className = "scan-result " + state;
    var colourLine = result.querySelector(".scan-colour");
    if (colourLine) colourLine.remove();
    result.querySelector(".scan-initials").textContent = initials || "";
    result.querySelector(".scan-title").textContent = title || "";
    var detailNode = result.querySelector(".scan-detail");
    detailNode.textContent = "";
    // The first line in the page's language, the next ones (English) below it.
    (detail || []).forEach(function (line, i) {
      var span = document.createElement("span");
      span.textContent = line;
      if (i > 0) {
        span.lang = "en";
        span.className = "en";
      }
      detailNode.appendChild(span);
    });
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn secondary";
      button.textContent = texts.retry;
      button.addEventListener("click", retry);
      detailNode.appendChild(button);
    }
  }

  // The health status colour the code carries (healthcards, issue 3). The server has just accepted the code,
  // so its signature is good; this only reads the claims (base32, then CBOR with the vendored cbor-js).
  var B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  function colourOf(token) {
    try {
      var text = token.trim().slice(4).toUpperCase(), bits = 0, value = 0, bytes = [];
      for (var i = 0; i < text.length; i++) {
        value = (value << 5) | B32.indexOf(text.charAt(i));
        bits += 5;
        if (bits >= 8) { bytes.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
      }
      var body = window.CBOR.decode(new Uint8Array(bytes).buffer);
      var colour = window.CBOR.decode(body[1].slice().buffer).c;
      return ["green", "yellow", "red"].indexOf(colour) >= 0 ? colour : null;
    } catch (e) {
      return null;
    }
  }

  function showColour(colour) {
    if (!colour) return;
    result.classList.add("card-" + colour);
    var line = document.createElement("p");
    line.className = "scan-colour";
    line.textContent = texts[colour];
    result.insertBefore(line, result.querySelector(".scan-title"));
  }

  function timeOf(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function send(token, key) {
    show("pending", "", texts.pending, []);
    var body = { personal_qr: token };
    var chosen = entrance.selectedOptions[0];
    if (chosen && chosen.dataset.code) body.code_token = chosen.dataset.code;
    else if (chosen && chosen.dataset.venue) body.venue = Number(chosen.dataset.venue);
    return fetch(apiUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": key },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          var where = [(data.venue || {}).name, data.entrance].filter(Boolean).join(" – ");
          show("ok", data.person_initials || "✓", texts.ok + " · " + timeOf(data.checked_in_at), [where]);
          showColour(colourOf(token));
          if (navigator.vibrate) navigator.vibrate(80);
        } else {
          show("error", "✕", texts.error, [data.message_vi || data.message || String(response.status), data.message_en || ""]);
          if (navigator.vibrate) navigator.vibrate([60, 60, 60]);
        }
      });
    }).catch(function () {
      // Same Idempotency-Key on retry: if the first request did arrive, nothing is recorded twice.
      show("error", "!", texts.error, [texts.offlineVi, texts.offlineEn], function () { send(token, key); });
    });
  }

  function submit(token) {
    token = (token || "").trim();
    if (!token) return;
    if (!entrance.options.length) {  // many venues: none chosen yet in the search above
      show("error", "!", texts.error, [texts.noVenue]);
      return;
    }
    var now = Date.now();
    if (recent.has(token) && now - recent.get(token) < REPEAT_MS) return;
    recent.set(token, now);
    send(token, newKey());
  }

  manual.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = manualInput.value;
    manualInput.value = "";
    recent.delete((token || "").trim());  // typed on purpose: always send
    submit(token);
    manualInput.focus();
  });

  window.PhongDichQrCamera({
    video: video,
    toggle: toggle,
    note: note,
    texts: { start: texts.start, stop: texts.stop, noCamera: texts.noCamera },
    jsqrUrl: root.dataset.jsqrUrl,
    onCode: submit,  // submit() itself skips a code sent moments ago
  });
})();
