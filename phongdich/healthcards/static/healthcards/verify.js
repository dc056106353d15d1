// Offline verifier of personal QR codes (docs/healthcards.md): decodes the code (camera: BarcodeDetector, else
// the vendored jsQR; or the text box that keyboard scanners type into), checks its Ed25519 signature in the
// browser with the province's public keys (kept in localStorage), and shows the colour and initials, or a red
// "invalid" screen. Nothing is sent to the server: it works without a network once the page has loaded.
(function () {
  "use strict";
  var root = document.getElementById("verifier");
  if (!root) return;
  var texts = document.getElementById("verify-messages").dataset;
  var result = document.getElementById("verdict");
  var form = document.getElementById("verify-form");
  var input = document.getElementById("verify-token");
  var video = document.getElementById("camera");
  var toggle = document.getElementById("camera-toggle");
  var note = document.getElementById("camera-note");
  var keysNote = document.getElementById("keys-note");
  var STORE = "phongdich.verify.keys";
  var PREFIX = "PD1:";
  var DOMAIN = [0x50, 0x44, 0x31]; // "PD1": signed with the claims
  var COLOURS = { green: texts.green, yellow: texts.yellow, red: texts.red };
  var REASONS = { malformed: "reasonMalformed", unknown_key: "reasonUnknownKey", bad_signature: "reasonBadSignature", expired: "reasonExpired" };

  // --- Keys: the page's own copy, then localStorage, then the API when online --------------------------
  var keys = {};
  function remember(list) {
    (list || []).forEach(function (jwk) {
      if (jwk && jwk.kty === "OKP" && jwk.crv === "Ed25519" && jwk.kid && jwk.x) keys[jwk.kid] = jwk.x;
    });
  }
  function saveKeys() {
    try { localStorage.setItem(STORE, JSON.stringify({ saved: Date.now(), keys: keys })); } catch (e) { /* private mode */ }
    keysNote.textContent = texts.keys.replace("%(count)s", Object.keys(keys).length);
  }
  try {
    var stored = JSON.parse(localStorage.getItem(STORE) || "null");
    if (stored && stored.keys) Object.keys(stored.keys).forEach(function (kid) { keys[kid] = stored.keys[kid]; });
  } catch (e) { /* ignore a damaged store */ }
  remember(JSON.parse(document.getElementById("verify-keys").textContent).keys);
  saveKeys();
  function refreshKeys() {
    return fetch(root.dataset.keysUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { remember(data.keys); saveKeys(); } })
      .catch(function () { /* offline: the stored keys are used */ });
  }
  refreshKeys();

  // --- Decoding ------------------------------------------------------------------------------------
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  function base32(text) {
    var bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      var index = ALPHABET.indexOf(text.charAt(i));
      if (index < 0) throw new Error("base32");
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    return new Uint8Array(out);
  }
  function b64url(bytes) {
    var text = "";
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromB64url(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(plain, function (c) { return c.charCodeAt(0); });
  }
  function own(bytes) { return bytes.slice().buffer; } // a fresh ArrayBuffer holding exactly these bytes

  function Invalid(reason) { this.reason = reason; }

  function parse(token) {
    if (typeof token !== "string" || token.indexOf(PREFIX) !== 0 || token.length > 1000) throw new Invalid("malformed");
    var body;
    try {
      body = window.CBOR.decode(own(base32(token.slice(PREFIX.length).trim().toUpperCase())));
    } catch (e) { throw new Invalid("malformed"); }
    if (!Array.isArray(body) || body.length !== 3 || !body.every(function (p) { return p instanceof Uint8Array; }) || body[0].length !== 8) {
      throw new Invalid("malformed");
    }
    return { kid: body[0], claims: body[1], signature: body[2] };
  }

  var noble = null;
  function loadNoble() {
    noble = noble || import(root.dataset.nobleUrl);
    return noble;
  }
  // Probe WebCrypto's Ed25519 with a known key now, while online: without it, load @noble/ed25519 at once
  // so that the fallback is in memory before the network goes.
  (function probe() {
    var kids = Object.keys(keys);
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) { loadNoble().catch(function () {}); return; }
    if (!kids.length) return;
    subtle.importKey("raw", fromB64url(keys[kids[0]]), { name: "Ed25519" }, false, ["verify"])
      .catch(function () { loadNoble().catch(function () {}); });
  })();

  function verifySignature(x, signature, message) {
    var raw = fromB64url(x);
    var subtle = window.crypto && window.crypto.subtle;
    var native = subtle
      ? subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]).then(function (key) {
          return subtle.verify({ name: "Ed25519" }, key, signature, message);
        })
      : Promise.reject(new Error("no WebCrypto"));
    return native.catch(function (error) {
      if (error && error.name === "DataError") return false; // a key WebCrypto refuses: nothing verifies
      // No Ed25519 in this browser's WebCrypto: the vendored @noble/ed25519 (its SHA-512 comes from WebCrypto).
      return loadNoble().then(function (ed) { return ed.verifyAsync(signature, message, raw); });
    });
  }

  function verify(token) {
    var parts;
    try { parts = parse(token); } catch (e) { return Promise.reject(e); }
    var kid = b64url(parts.kid);
    var x = keys[kid];
    var lookup = x ? Promise.resolve(x) : refreshKeys().then(function () { return keys[kid]; });
    return lookup.then(function (key) {
      if (!key) throw new Invalid("unknown_key");
      var message = new Uint8Array(DOMAIN.length + parts.kid.length + parts.claims.length);
      message.set(DOMAIN, 0);
      message.set(parts.kid, DOMAIN.length);
      message.set(parts.claims, DOMAIN.length + parts.kid.length);
      return verifySignature(key, parts.signature, message);
    }).then(function (good) {
      if (!good) throw new Invalid("bad_signature");
      var claims;
      try { claims = window.CBOR.decode(own(parts.claims)); } catch (e) { throw new Invalid("malformed"); }
      if (!claims || typeof claims[3] !== "number") throw new Invalid("malformed");
      var until = claims[3];
      if (typeof claims.u === "number") until = Math.min(until, claims.u);
      if (Date.now() / 1000 >= until) throw new Invalid("expired");
      if (claims.c !== undefined && !COLOURS.hasOwnProperty(claims.c)) throw new Invalid("malformed");
      return { colour: claims.c || null, initials: claims.n || "", until: new Date(until * 1000) };
    });
  }

  // --- Showing the verdict -------------------------------------------------------------------------
  function show(state, big, title, detail) {
    result.className = "verdict " + state;
    result.querySelector(".verdict-initials").textContent = big || "";
    result.querySelector(".verdict-title").textContent = title || "";
    result.querySelector(".verdict-detail").textContent = detail || "";
  }
  function when(date) {
    return date.toLocaleString("vi-VN", { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric" });
  }
  function check(token) {
    token = (token || "").trim();
    if (!token) return;
    show("pending", "", texts.checking, "");
    verify(token).then(function (card) {
      var colour = card.colour || "none";
      show(colour, card.initials, card.colour ? COLOURS[card.colour] : texts.nocolour, texts.until + " " + when(card.until));
      if (navigator.vibrate) navigator.vibrate(80);
    }).catch(function (error) {
      var reason = error instanceof Invalid ? error.reason : "malformed";
      show("invalid", "✕", texts.invalid, texts[REASONS[reason]] || "");
      if (navigator.vibrate) navigator.vibrate([60, 60, 60]);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var token = input.value;
    input.value = "";
    check(token);
    input.focus();
  });

  // --- Camera (as the check-in scanner: BarcodeDetector, else the vendored jsQR) ----------------------
  var last = "", lastAt = 0;
  var camera = window.PhongDichQrCamera({
    video: video,
    toggle: toggle,
    note: note,
    texts: { start: texts.start, stop: texts.stop, noCamera: texts.nocamera },
    jsqrUrl: root.dataset.jsqrUrl,
    onCode: function (value) {
      // The camera sees the same code many times a second: verify it again only after a pause.
      if (value !== last || Date.now() - lastAt > 4000) { last = value; lastAt = Date.now(); check(value); }
    },
  });
  // Keep the page and its scripts on the device: it then also opens with no network (verify_sw.js).
  if ("serviceWorker" in navigator && root.dataset.swUrl) {
    navigator.serviceWorker.register(root.dataset.swUrl).catch(function () { /* e.g. plain http: online only */ });
  }
  // Preload jsQR while online, so that the camera also works offline later.
  if (!("BarcodeDetector" in window)) camera.preload().catch(function () {});
})();
