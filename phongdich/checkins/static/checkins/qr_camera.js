// The camera half of the QR scanners (the check-in scanner, the card verifier): the browser's BarcodeDetector
// where it reads QR codes, else the vendored jsQR, loaded on demand. Each decoded text goes to onCode; what to
// do with the same code seen again is the caller's choice (the camera sees it many times a second).
(function () {
  "use strict";

  window.PhongDichQrCamera = function (options) {
    var video = options.video, toggle = options.toggle, note = options.note, texts = options.texts;
    var stream = null, detector = null, canvas = null, busy = false;

    function loadJsQR() {
      if (window.jsQR) return Promise.resolve();
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = options.jsqrUrl;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }

    function decodeFrame() {
      if (detector) {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      }
      var width = Math.min(video.videoWidth, 640);
      var height = Math.round(video.videoHeight * (width / video.videoWidth));
      if (!width || !height) return Promise.resolve(null);
      canvas = canvas || document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, width, height);
      var code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(code ? code.data : null);
    }

    function tick() {
      if (!stream) return;
      if (!busy && video.readyState >= 2) {
        busy = true;
        decodeFrame().then(function (value) { if (value) options.onCode(value); })
          .catch(function () {})
          .then(function () { busy = false; });
      }
      setTimeout(function () { requestAnimationFrame(tick); }, 120);
    }

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      toggle.textContent = texts.start;
    }

    function noCamera() {
      note.textContent = texts.noCamera;
      note.hidden = false;
    }

    function start() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return noCamera();
      var ready = ("BarcodeDetector" in window)
        ? window.BarcodeDetector.getSupportedFormats().then(function (formats) {
            if (formats.indexOf("qr_code") >= 0) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            else return loadJsQR();
          })
        : loadJsQR();
      ready.then(function () {
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        note.hidden = true;
        toggle.textContent = texts.stop;
        return video.play();
      }).then(tick).catch(function () {
        stop();
        noCamera();
      });
    }

    toggle.addEventListener("click", function () { if (stream) stop(); else start(); });
    return { start: start, stop: stop, preload: loadJsQR };
  };
})();
