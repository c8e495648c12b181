/* Event maps: a point picker on the event form, one marker on an event page,
   the published events on the list. No tile server: the base layer is the
   country shapes from our own static files. */
(function () {
  "use strict";
  var el = document.getElementById("event-map");
  if (!el || !window.L) { return; }
  var mode = el.dataset.mode;
  var map = L.map(el, {
    minZoom: 1, maxZoom: 12, worldCopyJump: true, attributionControl: true, zoomControl: false,
  });
  // Leaflet's own titles are English; the page gives them in its language.
  L.control.zoom({
    zoomInTitle: el.dataset.zoomIn || "Zoom in",
    zoomOutTitle: el.dataset.zoomOut || "Zoom out",
  }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth");
  if (mode === "point") {
    map.setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)], 6, { animate: false });
  } else {
    map.setView([30, 10], 2);
  }
  var shapes = {};
  var countryLayer = null;

  function byId(id) { return document.getElementById(id); }
  var latInput = byId("id_latitude");
  var lonInput = byId("id_longitude");
  var countrySelect = byId("id_country");
  var marker = null;

  function fitCountry(code) {
    if (code && shapes[code]) {
      map.fitBounds(shapes[code].getBounds(), { maxZoom: 7, padding: [10, 10] });
    }
  }

  function placeMarker(latlng, pan) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: mode === "picker", keyboard: true, title: el.dataset.title || "" }).addTo(map);
      if (mode === "picker") {
        marker.on("dragend", function () { writeInputs(marker.getLatLng()); });
      }
    } else {
      marker.setLatLng(latlng);
    }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 6)); }
  }

  function writeInputs(latlng) {
    var wrapped = latlng.wrap();
    latInput.value = wrapped.lat.toFixed(5);
    lonInput.value = wrapped.lng.toFixed(5);
    latInput.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function readInputs() {
    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    if (isFinite(lat) && isFinite(lon)) { return L.latLng(lat, lon); }
    return null;
  }

  function loadPoints(url) {
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var layer = L.geoJSON(data, {
        onEachFeature: function (feature, lyr) {
          var p = feature.properties;
          var link = document.createElement("a");
          link.href = p.url;
          link.textContent = p.title;
          var wrap = document.createElement("div");
          wrap.appendChild(link);
          var meta = document.createElement("div");
          // starts_local: the date on the event's own clocks, formatted by the server.
          meta.textContent = p.kind_label + " · " + p.city + " · " + p.starts_local;
          wrap.appendChild(meta);
          lyr.bindPopup(wrap);
        }
      }).addTo(map);
      if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 6, padding: [20, 20] }); }
      el.dataset.loaded = String(data.features.length);
    });
  }

  fetch(el.dataset.countries, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    countryLayer = L.geoJSON(data, {
      style: { color: "#8a8780", weight: 1, fillColor: "#efeee9", fillOpacity: 1 },
      onEachFeature: function (feature, lyr) { shapes[feature.properties.code] = lyr; }
    }).addTo(map);
    el.classList.add("ready");
    if (mode === "picker") {
      var start = readInputs();
      if (start) { placeMarker(start, false); map.setView(start, 6); }
      else if (countrySelect) { fitCountry(countrySelect.value); }
      map.on("click", function (e) { placeMarker(e.latlng, false); writeInputs(e.latlng); });
      countryLayer.on("click", function (e) { placeMarker(e.latlng, false); writeInputs(e.latlng); });
      if (countrySelect) {
        countrySelect.addEventListener("change", function () { fitCountry(countrySelect.value); });
      }
      [latInput, lonInput].forEach(function (input) {
        input.addEventListener("input", function () {
          var ll = readInputs();
          if (ll) { placeMarker(ll, true); }
        });
      });
    } else if (mode === "point") {
      var point = L.latLng(parseFloat(el.dataset.lat), parseFloat(el.dataset.lon));
      placeMarker(point, false);
    } else if (mode === "list" && el.dataset.points) {
      loadPoints(el.dataset.points);
    }
  });
})();
