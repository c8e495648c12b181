/* The solidarity map: a Leaflet choropleth of our own country shapes (no tile
 * server), figures from a json_script block, event markers from the events
 * API gathered into clusters on a pixel grid. No inline script (CSP). */
(function () {
  "use strict";

  var CLUSTER_CELL = 48; // pixels: markers closer than this share a cluster

  function readConfig(el) {
    var node = document.getElementById(el.getAttribute("data-config"));
    return node ? JSON.parse(node.textContent) : null;
  }

  function colourFor(count, cfg) {
    var colour = cfg.none_colour;
    for (var i = 0; i < cfg.classes.length; i++) {
      if (count >= cfg.classes[i].min) colour = cfg.classes[i].colour;
    }
    return colour;
  }

  function fmt(n) {
    return Number(n).toLocaleString(document.documentElement.lang || undefined);
  }

  // Built with DOM nodes, never from HTML strings: names are data.
  function details(name, data, cfg) {
    var box = document.createElement("div");
    var h = document.createElement("strong");
    h.textContent = name;
    box.appendChild(h);
    var list = document.createElement("dl");
    list.className = "map-details";
    var rows = [];
    if (data) {
      Object.keys(cfg.kinds).forEach(function (kind) {
        if (data.by_kind[kind]) rows.push([cfg.kinds[kind], data.by_kind[kind]]);
      });
      rows.push([cfg.total_label || "Total", data.total]);
    }
    rows.forEach(function (r) {
      var dt = document.createElement("dt");
      dt.textContent = r[0];
      var dd = document.createElement("dd");
      dd.textContent = fmt(r[1]);
      list.appendChild(dt);
      list.appendChild(dd);
    });
    if (!data) {
      var p = document.createElement("p");
      p.textContent = cfg.no_actions_label || "—";
      box.appendChild(p);
    } else {
      box.appendChild(list);
    }
    return box;
  }

  // Rings that cross the antimeridian (Russia, Fiji) jump from 180 to -180;
  // drawn as they are, that jump paints a band across the world.
  function unwrapRing(ring) {
    var shift = 0;
    return ring.map(function (pt, i) {
      if (i > 0) {
        var d = pt[0] - ring[i - 1][0];
        if (d > 180) shift -= 360;
        else if (d < -180) shift += 360;
      }
      return [pt[0] + shift, pt[1]];
    });
  }

  function unwrapShapes(shapes) {
    shapes.features.forEach(function (f) {
      var g = f.geometry;
      if (g.type === "Polygon") g.coordinates = g.coordinates.map(unwrapRing);
      else if (g.type === "MultiPolygon") {
        g.coordinates = g.coordinates.map(function (p) { return p.map(unwrapRing); });
      }
    });
    return shapes;
  }

  function drawCountries(map, shapes, cfg) {
    unwrapShapes(shapes);
    var layer = L.geoJSON(shapes, {
      style: function (feature) {
        var data = cfg.countries[feature.properties.code];
        return {
          fillColor: colourFor(data ? data.total : 0, cfg),
          fillOpacity: 1,
          color: "#ffffff",
          weight: 0.7,
        };
      },
      onEachFeature: function (feature, shape) {
        var code = feature.properties.code;
        var data = cfg.countries[code];
        var name = (data && data.name) || feature.properties.name;
        shape.bindTooltip(details(name, data, cfg), { sticky: true, className: "map-tooltip" });
        // A tap opens the same details on touch screens, where there is no hover.
        shape.on("click", function () { shape.openTooltip(); });
      },
    }).addTo(map);
    // Paths exist only once on the map: tag them so the DOM says what is drawn.
    layer.eachLayer(function (shape) {
      var el = shape.getElement && shape.getElement();
      if (!el) return;
      var code = shape.feature.properties.code;
      var data = cfg.countries[code];
      el.setAttribute("data-code", code);
      el.setAttribute("data-count", data ? data.total : 0);
    });
    return layer;
  }

  // A small grid clustering: at each zoom, points whose pixels fall in the
  // same cell become one numbered marker; a click on it zooms in.
  function clusterLayer(map, features) {
    var group = L.layerGroup().addTo(map);
    function redraw() {
      group.clearLayers();
      var cells = {};
      // Fully zoomed in, every event stands alone.
      var spread = map.getZoom() >= map.getMaxZoom();
      features.forEach(function (f, n) {
        var c = f.geometry && f.geometry.coordinates;
        if (!c || c.length < 2) return;
        var latlng = L.latLng(c[1], c[0]);
        var p = map.project(latlng, map.getZoom());
        var key = spread ? String(n)
          : Math.floor(p.x / CLUSTER_CELL) + ":" + Math.floor(p.y / CLUSTER_CELL);
        (cells[key] = cells[key] || []).push({ f: f, latlng: latlng });
      });
      Object.keys(cells).forEach(function (key) {
        var items = cells[key];
        if (items.length === 1) {
          var it = items[0];
          var m = L.circleMarker(it.latlng, {
            radius: 6, color: "#ffffff", weight: 2, fillColor: "#1a5fb4", fillOpacity: 1,
            className: "event-marker",
          });
          m.bindPopup(eventPopup(it.f.properties || {}));
          group.addLayer(m);
        } else {
          var lat = 0, lng = 0;
          items.forEach(function (i) { lat += i.latlng.lat; lng += i.latlng.lng; });
          var centre = L.latLng(lat / items.length, lng / items.length);
          var icon = L.divIcon({
            className: "event-cluster",
            html: "<span>" + items.length + "</span>",
            iconSize: [32, 32],
          });
          var cluster = L.marker(centre, { icon: icon, keyboard: true, title: String(items.length) });
          cluster.on("click", function () {
            map.fitBounds(L.latLngBounds(items.map(function (i) { return i.latlng; })).pad(0.5), {
              maxZoom: map.getMaxZoom(),
            });
          });
          group.addLayer(cluster);
        }
      });
    }
    map.on("zoomend", redraw);
    redraw();
    return group;
  }

  function eventPopup(p) {
    var box = document.createElement("div");
    var a = document.createElement(p.url ? "a" : "strong");
    if (p.url) a.href = p.url;
    a.textContent = p.title || "";
    box.appendChild(a);
    var line = document.createElement("p");
    var when = p.starts_at ? new Date(p.starts_at).toLocaleDateString() : "";
    line.textContent = [p.kind_label, when, p.city].filter(Boolean).join(" · ");
    box.appendChild(line);
    return box;
  }

  function loadEvents(map, url) {
    if (!url || !window.fetch) return;
    fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var features = (data && data.features) || [];
        if (features.length) clusterLayer(map, features);
      })
      .catch(function () { /* no events endpoint or offline: the map stands alone */ });
  }

  function init(el) {
    var cfg = readConfig(el);
    if (!cfg || !window.L) return;
    var map = L.map(el, {
      minZoom: 1,
      maxZoom: 9,
      worldCopyJump: false,
      zoomSnap: 0.25,
      attributionControl: true,
      scrollWheelZoom: false,
      zoomControl: false,
    });
    // Leaflet's own titles are English; the page gives them in its language.
    L.control.zoom({
      zoomInTitle: el.dataset.zoomIn || "Zoom in",
      zoomOutTitle: el.dataset.zoomOut || "Zoom out",
    }).addTo(map);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    map.fitBounds([[-52, -168], [80, 180]]);
    fetch(el.getAttribute("data-shapes"))
      .then(function (r) { return r.json(); })
      .then(function (shapes) {
        drawCountries(map, shapes, cfg);
        el.setAttribute("data-ready", "1");
        loadEvents(map, cfg.events_url);
      });
  }

  document.querySelectorAll(".solidarity-map[data-config]").forEach(init);
})();
