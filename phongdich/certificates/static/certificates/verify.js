// The certificate verifier page: the shared camera module (checkins/qr_camera.js) reads a QR code; an HC1: text
// is put in the form and submitted, so the server verifies it against the trust list (as pasting does).
(function () {
  "use strict";
  var root = document.getElementById("dcc-verifier");
  if (!root) return;
  var texts = document.getElementById("verify-messages").dataset;
  var form = document.getElementById("verify-form");
  var input = document.getElementById("verify-qr");
  var sent = false;
  window.PhongDichQrCamera({
    video: document.getElementById("camera"),
    toggle: document.getElementById("camera-toggle"),
    note: document.getElementById("camera-note"),
    jsqrUrl: root.dataset.jsqrUrl,
    texts: { start: texts.start, stop: texts.stop, noCamera: texts.nocamera },
    onCode: function (value) {
      if (sent || value.indexOf("HC1:") !== 0) return;
      sent = true;
      input.value = value;
      form.submit();
    }
  });
})();
