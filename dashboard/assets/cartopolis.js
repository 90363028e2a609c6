/* Map functions referenced from Python as {"variable": "cartopolis.…"} (dash-leaflet).
   Each feature carries _k (legend key) and _t (tooltip); hideout.styles maps _k to Leaflet
   path options. Points are drawn as circle markers (no marker images, nothing fetched). */
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
    tooltip: function (feature, layer) {
        if (feature && feature.properties && feature.properties._t) {
            layer.bindTooltip(String(feature.properties._t), {sticky: true});
        }
    }
};
