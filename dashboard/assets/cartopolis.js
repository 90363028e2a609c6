/* Map functions referenced from Python as {"variable": "cartopolis.…"} (dash-leaflet).
   Each feature carries _k (legend key) and _t (tooltip); hideout.styles maps _k to Leaflet
   path options, hideout.only (when set) lists the keys shown. Points are drawn as circle
   markers (no marker images, nothing fetched). */
window.cartopolis = {
    style: function (feature, context) {
        var styles = (context && context.hideout && context.hideout.styles) || {};
        var key = feature && feature.properties ? feature.properties._k : null;
        return styles[key] || {};
    },
    point: function (feature, latlng, context) {
        var styles = (context && context.hideout && context.hideout.styles) || {};
        var key = feature && feature.properties ? feature.properties._k : null;
        var options = Object.assign({radius: 5, weight: 1, fillOpacity: 0.9}, styles[key] || {});
        if (context && context.hideout && context.hideout.pane) { options.pane = context.hideout.pane; }
        return L.circleMarker(latlng, options);
    },
    filter: function (feature, context) {
        // hideout.only: legend keys of the classes shown (null: all); set from the class checkboxes
        var only = context && context.hideout ? context.hideout.only : null;
        if (!only) { return true; }
        return only.indexOf(feature && feature.properties ? feature.properties._k : null) >= 0;
    },
    tooltip: function (feature, layer) {
        if (feature && feature.properties && feature.properties._t) {
            layer.bindTooltip(String(feature.properties._t), {sticky: true});
        }
    }
};
