{% load static %}// Service worker of the offline verifier (/health/verify/): keeps the page and its scripts so that the page
// also opens with no network (a checkpoint on a road). The page itself is fetched from the network first
// (fresh keys); the cached copy answers only when the network fails. Version: {{ version }}.
"use strict";
var CACHE = "phongdich-verify-{{ version }}";
var PAGE = "{% url 'healthcards:verify' %}";
var ASSETS = [
  "{% static 'core/site.css' %}",
  "{% static 'healthcards/healthcards.css' %}",
  "{% static 'healthcards/verify.js' %}",
  "{% static 'checkins/qr_camera.js' %}",
  "{% static 'healthcards/vendor/cbor-js/cbor.js' %}",
  "{% static 'healthcards/vendor/noble-ed25519/index.js' %}",
  "{% static 'checkins/vendor/jsqr/jsQR.js' %}"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      // The page with the checker's session; a redirect (logged out) is not kept.
      return fetch(PAGE, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) return cache.put(PAGE, response);
      });
    });
  }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("phongdich-verify-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(PAGE).then(function (cached) { return cached || Response.error(); });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request).then(function (cached) { return cached || fetch(request); }));
  }
});
