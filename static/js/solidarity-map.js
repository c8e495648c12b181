/* The solidarity map: a Leaflet choropleth of our own country shapes (no tile
 * server; TopoJSON decoded by the vendored topojson-client), figures from a
 * json_script block, places too small for the shapes drawn as circles at
 * their centre, event markers from the events API gathered into small
 * clusters on a pane above the countries that a checkbox hides. It opens
 * fitted to where most actions are. No inline script (CSP).
 *
 * On a slow link Leaflet (38 KB compressed) would hold the shapes back: the
 * choropleth is first drawn by hand into an <svg>, projected as Leaflet will
 * show it, as soon as the preloaded shapes are in; only then are Leaflet and
 * its stylesheet requested, and Leaflet takes the same view over for
 * tooltips, zoom and event markers. data-drawn and the
 * "solidarity:choropleth-drawn" mark say when the colours are on screen,
 * data-ready when the map is interactive. */
(function () {
  "use strict";

  var CLUSTER_CELL = 48; // pixels: markers closer than this share a cluster
  var MAX_ZOOM = 6; // beyond this the 1:110m outlines look jagged
  var MIN_ZOOM = 1;
  var ZOOM_SNAP = 0.25;
  var TINY = 1.5; // square degrees: shapes smaller than this also get a circle
  var CORE_SHARE = 2 / 3; // the view holds the nearest countries with this share of actions

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
  function details(name, data, cfg, code, linked) {
    var box = document.createElement("div");
    var h = document.createElement("strong");
    if (linked && cfg.country_url && cfg.link_countries && code) {
      var a = document.createElement("a");
      a.href = cfg.country_url.replace("__CODE__", code);
      a.textContent = name;
      h.appendChild(a);
    } else {
      h.textContent = name;
    }
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

  function describe(layer, name, data, cfg, code) {
    layer.bindTooltip(details(name, data, cfg, code, false), { sticky: true, className: "map-tooltip" });
    // A tap or click opens the same details, with the country's page linked when
    // there is one (a tooltip that follows the pointer cannot be clicked).
    layer.bindPopup(function () { return details(name, data, cfg, code, true); });
    layer.on("popupopen", function () { layer.closeTooltip(); });
  }

  function tag(layer, code, data) {
    var el = layer.getElement && layer.getElement();
    if (!el) return;
    el.setAttribute("data-code", code);
    el.setAttribute("data-count", data ? data.total : 0);
  }

  function drawCountries(map, shapes, cfg) {
    var byCode = {};
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
        byCode[code] = shape;
        describe(shape, (data && data.name) || feature.properties.name, data, cfg, code);
      },
    }).addTo(map);
    // Paths exist only once on the map: tag them so the DOM says what is drawn.
    layer.eachLayer(function (shape) { tag(shape, shape.feature.properties.code, cfg.countries[shape.feature.properties.code]); });
    return byCode;
  }

  // [west, south, east, north] of a (unwrapped) country, as Leaflet's getBounds().
  function bboxOf(geometry) {
    var b = [Infinity, Infinity, -Infinity, -Infinity];
    var polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    polys.forEach(function (poly) {
      poly.forEach(function (ring) {
        ring.forEach(function (pt) {
          if (pt[0] < b[0]) b[0] = pt[0];
          if (pt[1] < b[1]) b[1] = pt[1];
          if (pt[0] > b[2]) b[2] = pt[0];
          if (pt[1] > b[3]) b[3] = pt[1];
        });
      });
    });
    return b;
  }

  function area(b) {
    return (b[2] - b[0]) * (b[3] - b[1]);
  }

  // Countries with actions but no shape at this scale (Malta, Bermuda), or a
  // shape too small to see or hover (Luxembourg): a circle at the centre, in a
  // pane above the countries, coloured like the country would be.
  function smallPlaces(cfg, bboxes, centres) {
    return Object.keys(cfg.countries).filter(function (code) {
      var data = cfg.countries[code];
      if (!data.total || !centres[code]) return false;
      return !bboxes[code] || area(bboxes[code]) < TINY;
    });
  }

  function drawSmallPlaces(map, cfg, places, centres) {
    map.createPane("smallPlaces").style.zIndex = 450;
    places.forEach(function (code) {
      var data = cfg.countries[code];
      var circle = L.circleMarker(centres[code], {
        pane: "smallPlaces", radius: 6, weight: 1.5, color: "#3d3b36",
        fillColor: colourFor(data.total, cfg), fillOpacity: 1, className: "small-place",
      }).addTo(map);
      describe(circle, data.name, data, cfg, code);
      tag(circle, code, data);
    });
  }

  // Great-circle distance, as Leaflet's distanceTo (only compared here).
  function distance(a, b) {
    var rad = Math.PI / 180;
    var sinLat = Math.sin((b[0] - a[0]) * rad / 2);
    var sinLng = Math.sin((b[1] - a[1]) * rad / 2);
    var h = sinLat * sinLat + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * sinLng * sinLng;
    return 2 * 6371000 * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
  }

  // Where to open: the countries nearest the weighted middle of the actions
  // that together hold CORE_SHARE of them, and any others as near again as
  // half that distance. A marathon with 33 of 36 countries in Europe opens on
  // Europe; Japan and Canada are a pan away. No actions: the world.
  // Plain numbers ([[south, west], [north, east]]): the first drawing has no Leaflet.
  function coreBounds(cfg, bboxes, centres) {
    var pts = [];
    var total = 0;
    Object.keys(cfg.countries).forEach(function (code) {
      var n = cfg.countries[code].total;
      if (n > 0 && centres[code]) {
        pts.push({ code: code, ll: centres[code], n: n });
        total += n;
      }
    });
    if (!pts.length) return [[-50, -165], [75, 178]];
    function median(key) {
      var sorted = pts.slice().sort(function (a, b) { return a.ll[key] - b.ll[key]; });
      var acc = 0;
      for (var i = 0; i < sorted.length; i++) {
        acc += sorted[i].n;
        if (acc >= total / 2) return sorted[i].ll[key];
      }
      return sorted[sorted.length - 1].ll[key];
    }
    var mid = [median(0), median(1)];
    pts.forEach(function (p) { p.d = distance(mid, p.ll); });
    pts.sort(function (a, b) { return a.d - b.d; });
    var acc = 0, radius = 0;
    for (var i = 0; i < pts.length && acc < total * CORE_SHARE; i++) {
      acc += pts[i].n;
      radius = pts[i].d;
    }
    var core = pts.filter(function (p) { return p.d <= radius * 1.5; });
    var s = Infinity, w = Infinity, n = -Infinity, e = -Infinity;
    core.forEach(function (p) {
      // Centres only when there are several: Finland's or Tunisia's whole
      // outline would stretch a Mercator view north to south and shrink
      // Europe. One or two countries are shown whole, unless huge (Russia).
      var b = core.length < 3 && bboxes[p.code] ? bboxes[p.code] : null;
      if (!b || b[2] - b[0] > 40) {
        // Room around a centre for most of a mid-sized country (Poland, Germany).
        b = [p.ll[1] - 4, p.ll[0] - 2.5, p.ll[1] + 4, p.ll[0] + 2.5];
      }
      w = Math.min(w, b[0]); s = Math.min(s, b[1]); e = Math.max(e, b[2]); n = Math.max(n, b[3]);
    });
    return [[s, w], [n, e]];
  }

  // A small grid clustering: at each zoom, points whose pixels fall in the
  // same cell become one numbered marker; a click on it zooms in.
  function clusterLayer(map, features) {
    var pane = map.createPane("events");
    pane.style.zIndex = 620;
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
            radius: 5, color: "#ffffff", weight: 1.5, fillColor: "#1a5fb4", fillOpacity: 0.85,
            className: "event-marker", pane: "events",
          });
          m.bindPopup(eventPopup(it.f.properties || {}));
          group.addLayer(m);
        } else {
          var lat = 0, lng = 0;
          items.forEach(function (i) { lat += i.latlng.lat; lng += i.latlng.lng; });
          var centre = L.latLng(lat / items.length, lng / items.length);
          // Small and see-through, so the country's colour shows around and under it.
          var size = items.length < 10 ? 22 : items.length < 100 ? 26 : 30;
          var icon = L.divIcon({
            className: "event-cluster",
            html: "<span>" + items.length + "</span>",
            iconSize: [size, size],
            iconAnchor: [size / 2, size / 2],
          });
          var cluster = L.marker(centre, {
            icon: icon, keyboard: true, title: String(items.length), pane: "events",
          });
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

  function loadEvents(map, url, el) {
    if (!url || !window.fetch) return;
    fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var features = (data && data.features) || [];
        if (!features.length) return;
        var group = clusterLayer(map, features);
        var figure = el.closest(".map-figure");
        var box = figure && figure.querySelector("#map-show-events");
        if (!box) return;
        box.closest(".map-events-toggle").hidden = false;
        box.addEventListener("change", function () {
          if (box.checked) group.addTo(map);
          else group.remove();
        });
      })
      .catch(function () { /* no events endpoint or offline: the map stands alone */ });
  }

  function centresOf(topo) {
    var centres = {};
    topojson.feature(topo, topo.objects.centres).features.forEach(function (f) {
      var c = f.geometry.coordinates;
      centres[f.properties.code] = [c[1], c[0]];
    });
    return centres;
  }

  // Web Mercator in pixels at a zoom, as Leaflet's EPSG:3857 (256 px tiles).
  function project(lat, lng, zoom) {
    var size = 256 * Math.pow(2, zoom);
    var sin = Math.sin(Math.max(Math.min(lat, 85.0511287798), -85.0511287798) * Math.PI / 180);
    return [size * (lng + 180) / 360, size * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI))];
  }

  // The zoom and centre Leaflet's fitBounds(view, {padding: [16, 16], maxZoom: 5})
  // picks, with zoomSnap 0.25 and the map's zoom limits.
  function fitView(view, width, height) {
    var nw = project(view[1][0], view[0][1], 0);
    var se = project(view[0][0], view[1][1], 0);
    var scale = Math.min((width - 32) / (se[0] - nw[0]), (height - 32) / (se[1] - nw[1]));
    var zoom = Math.log(scale) / Math.LN2;
    zoom = Math.round(zoom / (ZOOM_SNAP / 100)) * (ZOOM_SNAP / 100);
    zoom = Math.floor(zoom / ZOOM_SNAP) * ZOOM_SNAP;
    zoom = Math.min(Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom)), 5);
    var a = project(view[0][0], view[0][1], zoom);
    var b = project(view[1][0], view[1][1], zoom);
    return { zoom: zoom, left: Math.round((a[0] + b[0]) / 2 - width / 2), top: Math.round((a[1] + b[1]) / 2 - height / 2) };
  }

  // The first drawing: the coloured countries in an <svg>, no interaction.
  function sketch(el, shapes, cfg, view, places, centres) {
    var NS = "http://www.w3.org/2000/svg";
    var width = el.clientWidth, height = el.clientHeight;
    var fit = fitView(view, width, height);
    function xy(pt) {
      var p = project(pt[1], pt[0], fit.zoom);
      return (p[0] - fit.left).toFixed(1) + "," + (p[1] - fit.top).toFixed(1);
    }
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "map-sketch");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    shapes.features.forEach(function (f) {
      var g = f.geometry;
      var polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      var d = "";
      polys.forEach(function (poly) {
        poly.forEach(function (ring) { d += "M" + ring.map(xy).join("L") + "Z"; });
      });
      var data = cfg.countries[f.properties.code];
      var path = document.createElementNS(NS, "path");
      path.setAttribute("d", d);
      path.setAttribute("fill", colourFor(data ? data.total : 0, cfg));
      path.setAttribute("fill-rule", "evenodd");
      path.setAttribute("stroke", "#ffffff");
      path.setAttribute("stroke-width", "0.7");
      svg.appendChild(path);
    });
    places.forEach(function (code) {
      var c = xy([centres[code][1], centres[code][0]]).split(",");
      var circle = document.createElementNS(NS, "circle");
      circle.setAttribute("cx", c[0]);
      circle.setAttribute("cy", c[1]);
      circle.setAttribute("r", "6");
      circle.setAttribute("fill", colourFor(cfg.countries[code].total, cfg));
      circle.setAttribute("stroke", "#3d3b36");
      circle.setAttribute("stroke-width", "1.5");
      svg.appendChild(circle);
    });
    el.appendChild(svg);
    return svg;
  }

  // Leaflet and its stylesheet, requested once the colours are drawn.
  function loadLeaflet(el, done) {
    if (window.L) { done(); return; }
    var waiting = 2;
    function one() { if (--waiting === 0) done(); }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = el.getAttribute("data-leaflet-css");
    css.onload = one;
    css.onerror = fontsNow;
    document.head.appendChild(css);
    var js = document.createElement("script");
    js.src = el.getAttribute("data-leaflet");
    js.onload = one;
    js.onerror = fontsNow;
    document.head.appendChild(js);
  }

  // Leaflet takes the drawn map over: tooltips, popups, zoom, event markers.
  function interactive(el, cfg, shapes, view, places, centres, svg) {
    var map = L.map(el, {
      minZoom: MIN_ZOOM,
      maxZoom: MAX_ZOOM,
      worldCopyJump: false,
      zoomSnap: ZOOM_SNAP,
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
    map.fitBounds(view, { padding: [16, 16], maxZoom: 5, animate: false });
    drawCountries(map, shapes, cfg);
    drawSmallPlaces(map, cfg, places, centres);
    if (svg) svg.remove();
    var b = map.getBounds();
    // What the map opened on, for tests and anyone inspecting the page.
    el.setAttribute("data-view", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (v) { return v.toFixed(1); }).join(","));
    el.setAttribute("data-ready", "1");
    fontsNow();
    loadEvents(map, cfg.events_url, el);
  }

  // Pages with the map ask for Inter only once the map is interactive (or
  // drawing or Leaflet failed): the font (49 KB) would share a slow link with
  // the shapes, then with Leaflet. Text is in system fonts until then.
  function fontsNow() {
    document.documentElement.classList.remove("font-later");
  }

  function init(el) {
    var cfg = readConfig(el);
    if (!cfg || !window.topojson || !window.fetch) { fontsNow(); return; }
    // The small map (embeds on partner sites) links nowhere.
    cfg.link_countries = el.getAttribute("data-link-countries") !== "0";
    fetch(el.getAttribute("data-shapes"))
      .then(function (r) { return r.json(); })
      .then(function (topo) {
        var centres = centresOf(topo);
        var shapes = unwrapShapes(topojson.feature(topo, topo.objects.countries));
        var bboxes = {};
        shapes.features.forEach(function (f) { bboxes[f.properties.code] = bboxOf(f.geometry); });
        var view = coreBounds(cfg, bboxes, centres);
        var places = smallPlaces(cfg, bboxes, centres);
        var svg = sketch(el, shapes, cfg, view, places, centres);
        el.setAttribute("data-drawn", "1");
        // The moment the colours are on screen, on the page's own clock (ms
        // since navigation): bench/slowlink.py reads it on a slow link.
        if (window.performance && performance.mark) performance.mark("solidarity:choropleth-drawn");
        loadLeaflet(el, function () { interactive(el, cfg, shapes, view, places, centres, svg); });
      })
      .catch(fontsNow);
  }

  var maps = document.querySelectorAll(".solidarity-map[data-config]");
  if (!maps.length) fontsNow();
  maps.forEach(init);
})();
