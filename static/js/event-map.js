/* Event maps: a point picker on the event form, one marker on an event page,
   the published events on the list. No tile server: the base layer is the
   country shapes from our own static files (TopoJSON, decoded by the vendored
   topojson-client), with the names of nearby towns from our own gazetteer
   (/api/places.json, GeoNames). On the form, typing a town offers matches
   from the same gazetteer, and picking one places the point. */
(function () {
  "use strict";
  var el = document.getElementById("event-map");
  if (!el || !window.L || !window.topojson) { return; }
  var mode = el.dataset.mode;
  // The 1:110m outlines turn jagged past zoom 6; the picker allows a little
  // more, for placing the point, and names the towns around it.
  var maxZoom = mode === "picker" ? 8 : 6;
  var map = L.map(el, {
    minZoom: 1, maxZoom: maxZoom, worldCopyJump: true, attributionControl: true, zoomControl: false,
  });
  // Leaflet's own titles are English; the page gives them in its language.
  L.control.zoom({
    zoomInTitle: el.dataset.zoomIn || "Zoom in",
    zoomOutTitle: el.dataset.zoomOut || "Zoom out",
  }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth · GeoNames");
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
  var cityInput = byId("id_city");
  var cityList = byId("city-places");
  var marker = null;
  var labels = L.layerGroup().addTo(map);

  function fitCountry(code) {
    if (code && shapes[code]) {
      map.fitBounds(shapes[code].getBounds(), { maxZoom: 6, padding: [10, 10], animate: false });
    }
  }

  function placesUrl(params) {
    var q = Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
    return el.dataset.places + "?" + q;
  }

  function getPlaces(params) {
    if (!el.dataset.places || !window.fetch) { return Promise.resolve([]); }
    return fetch(placesUrl(params), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { places: [] }; })
      .then(function (data) { return data.places || []; })
      .catch(function () { return []; });
  }

  // Town names around a point: small dots with their names beside them,
  // largest first, leaving out any that would overlap a name already shown
  // or the marker (drawn again at each zoom).
  var nearby = [];
  function drawLabels() {
    labels.clearLayers();
    var taken = [];
    if (marker) {
      var m = map.latLngToContainerPoint(marker.getLatLng());
      var half = ((marker.getTooltip() && marker.getTooltip().getContent()) || "").length * 3.5;
      taken.push([m.x - 10, m.y - 40, m.x + 10, m.y]); // the pin
      if (half) { taken.push([m.x - half, m.y - 52, m.x + half, m.y - 32]); } // its name
    }
    nearby.forEach(function (p) {
      var at = L.latLng(p.lat, p.lon);
      if (marker && at.distanceTo(marker.getLatLng()) < 5000) { return; } // named on the marker
      var c = map.latLngToContainerPoint(at);
      // About 5.6 px a character at the labels' 12 px.
      var box = [c.x - 3, c.y - 10, c.x + 10 + p.name.length * 5.6, c.y + 10];
      var clash = taken.some(function (t) {
        return box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3];
      });
      if (clash) { return; }
      taken.push(box);
      L.circleMarker(at, { radius: 2.5, weight: 0, fillColor: "#5c5c66", fillOpacity: 1, interactive: false })
        .bindTooltip(p.name, { permanent: true, direction: "right", className: "place-label", offset: [3, 0] })
        .addTo(labels);
    });
    el.dataset.labels = String(labels.getLayers().length);
  }
  map.on("zoomend", drawLabels);

  function showNearby(latlng, country) {
    if (!country) { return; }
    getPlaces({ country: country, near: latlng.lat.toFixed(3) + "," + latlng.lng.toFixed(3) }).then(function (found) {
      nearby = found;
      drawLabels();
    });
  }

  function nameMarker(name) {
    if (!marker) { return; }
    marker.unbindTooltip();
    if (name) {
      marker.bindTooltip(name, { permanent: true, direction: "top", className: "place-label place-label-main", offset: [0, -30] }).openTooltip();
    }
  }

  function placeMarker(latlng, pan) {
    if (!marker) {
      // Leaflet's default alt text is the English "Marker": name it in the page's words.
      marker = L.marker(latlng, {
        draggable: mode === "picker", keyboard: true, title: el.dataset.title || "",
        alt: el.dataset.title || el.getAttribute("aria-label") || "",
      }).addTo(map);
      if (mode === "picker") {
        marker.on("dragend", function () { writeInputs(marker.getLatLng()); pointMoved(); });
      }
    } else {
      marker.setLatLng(latlng);
    }
    if (pan) { map.setView(latlng, Math.max(map.getZoom(), 6), { animate: false }); }
  }

  function pointMoved() {
    if (marker && countrySelect) { showNearby(marker.getLatLng(), countrySelect.value); }
    if (marker && cityInput) { nameMarker(cityInput.value); }
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

  // The town field: matches from the gazetteer in a datalist as the person
  // types; choosing one (or typing a name exactly) places the point there.
  function cityPicker() {
    if (!cityInput || !cityList || !countrySelect) { return; }
    var offered = {};
    var timer = null;
    function pick() {
      var p = offered[cityInput.value.trim().toLowerCase()];
      if (!p) { return; }
      var at = L.latLng(p.lat, p.lon);
      placeMarker(at, false);
      // Not animated: the labels are laid out for the zoom the map is at.
      map.setView(at, 7, { animate: false });
      writeInputs(at);
      pointMoved();
    }
    cityInput.addEventListener("input", function () {
      clearTimeout(timer);
      var typed = cityInput.value.trim();
      if (offered[typed.toLowerCase()]) { pick(); return; }
      if (typed.length < 2 || !countrySelect.value) { return; }
      timer = setTimeout(function () {
        getPlaces({ country: countrySelect.value, q: typed }).then(function (found) {
          offered = {};
          cityList.textContent = "";
          found.forEach(function (p) {
            offered[p.name.toLowerCase()] = p;
            var option = document.createElement("option");
            option.value = p.name;
            cityList.appendChild(option);
          });
          el.dataset.offered = String(found.length);
          if (offered[cityInput.value.trim().toLowerCase()]) { pick(); }
        });
      }, 150);
    });
    cityInput.addEventListener("change", pick);
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

  fetch(el.dataset.countries, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (topo) {
    countryLayer = L.geoJSON(topojson.feature(topo, topo.objects.countries), {
      style: { color: "#8a8780", weight: 1, fillColor: "#efeee9", fillOpacity: 1 },
      onEachFeature: function (feature, lyr) { shapes[feature.properties.code] = lyr; }
    }).addTo(map);
    el.classList.add("ready");
    if (mode === "picker") {
      var start = readInputs();
      if (start) { placeMarker(start, false); map.setView(start, 6); pointMoved(); }
      else if (countrySelect) { fitCountry(countrySelect.value); }
      var clicked = function (e) { placeMarker(e.latlng, false); writeInputs(e.latlng); pointMoved(); };
      map.on("click", clicked);
      countryLayer.on("click", clicked);
      if (countrySelect) {
        countrySelect.addEventListener("change", function () { fitCountry(countrySelect.value); });
      }
      [latInput, lonInput].forEach(function (input) {
        input.addEventListener("input", function () {
          var ll = readInputs();
          if (ll) { placeMarker(ll, true); pointMoved(); }
        });
      });
      cityPicker();
    } else if (mode === "point") {
      var point = L.latLng(parseFloat(el.dataset.lat), parseFloat(el.dataset.lon));
      placeMarker(point, false);
      nameMarker(el.dataset.city);
      showNearby(point, el.dataset.country);
    } else if (mode === "list" && el.dataset.points) {
      loadPoints(el.dataset.points);
    }
  });
})();
