// Vaccination check-in: the shared camera module (checkins/qr_camera.js) reads the personal QR code and submits the
// page's form, the same form a keyboard scanner or a typed code submits; the server answers with the page.
(function () {
  "use strict";
  var root = document.getElementById("vacc-scanner");
  if (!root || !window.PhongDichQrCamera) return;
  var texts = document.getElementById("messages").dataset;
  var form = document.getElementById("checkin-form");
  var input = document.getElementById("token");
  var sent = false;
  window.PhongDichQrCamera({
    video: document.getElementById("camera"),
    toggle: document.getElementById("camera-toggle"),
    note: document.getElementById("camera-note"),
    texts: { start: texts.start, stop: texts.stop, noCamera: texts.noCamera },
    jsqrUrl: root.dataset.jsqrUrl,
    onCode: function (value) {
      if (sent) return;  // the camera sees the code many times a second: send it once
      sent = true;
      input.value = value;
      form.submit();
    },
  });
})();
