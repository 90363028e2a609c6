/* Client-side callbacks of the page, referenced from Python as ClientsideFunction("cartopolis", name).
   They live here, not as inline strings, so that the page runs under a Content-Security-Policy
   without 'unsafe-inline' scripts. NO_CLASS is dashboard.maps.NO_CLASS (a test checks they agree). */
(function () {
    const NO_CLASS = 'aucun';
    window.dash_clientside = Object.assign({}, window.dash_clientside);
    window.dash_clientside.cartopolis = {
        /* Applies the URL query after load when the layout was built for another one (no Referer).
       ``l`` holds layers and their class restrictions (flood:fort): the layers go to the checklist,
       the restrictions to ``pending`` for the class lists. */
        restore: function (search, builtFor, options, current) {
            const nu = window.dash_clientside.no_update;
            // Only the URL the page was opened with: later changes are our own replaceState.
            if (window.cartopolisRestored) { return [nu, nu, nu, nu]; }
            window.cartopolisRestored = true;
            if ((search || '') === (builtFor || '')) { return [nu, nu, nu, nu]; }
            const q = new URLSearchParams(search || '');
            let t = q.get('t');
            const values = (options || []).map(o => o.value);
            if (t && !values.includes(t)) {
                const byInsee = (options || []).find(o => String(o.label).includes('(' + t + ')'));
                t = byInsee ? byInsee.value : null;
            }
            const tabs = ['carte', 'programmes', 'quartier', 'comparer', 'sources', 'importer'];  // i18n.TABS
            const v = q.get('v');
            let l = nu;
            const c = {}, bare = new Set();
            if (q.has('l')) {
                l = [];
                q.get('l').split(',').filter(x => x).forEach(token => {
                    const [name, word] = token.split(':');
                    if (!l.includes(name)) { l.push(name); }
                    if (word === undefined) { bare.add(name); return; }
                    c[name] = c[name] || [];
                    if (word !== NO_CLASS) { c[name].push(word); }
                });
                bare.forEach(name => { delete c[name]; });
            }
            return [t || nu, l, tabs.includes(v) ? v : nu, {p: q.get('p'), m: q.get('m'), c: c, t: t || current}];
        },
        /* Writes the view into the address bar and the permalink (the same text as maps.format_layers;
       commas and colons left readable: ?t=demo&l=qpv,flood:fort,flood:moyen). */
        permalink: function (t, v, p, m, l, classes) {
            const parts = [];
            const readable = value => encodeURIComponent(value).replace(/%2C/g, ',').replace(/%3A/g, ':');
            const put = (key, value) => parts.push(key + '=' + readable(value));
            if (t) put('t', t);
            if (v && v !== 'carte') put('v', v);
            if (p) put('p', p);
            if (m) put('m', m);
            if (l) {
                const tokens = [];
                l.forEach(layer => {
                    const words = (classes || {})[layer];
                    if (!words) { tokens.push(layer); return; }
                    if (!words.length) { tokens.push(layer + ':' + NO_CLASS); return; }
                    words.forEach(w => tokens.push(layer + ':' + w));
                });
                put('l', tokens.join(','));
            }
            const search = '?' + parts.join('&');
            if (window.location.search !== search) {
                window.history.replaceState(null, '', window.location.pathname + search);
            }
            return [search, search];
        },
        /* Class checkboxes -> the ``classes`` store: URL words of the shown classes of each layer whose
       enabled classes are not all ticked (a layer showing every class is left out). */
        classes: function (values, options, ids, current) {
            const out = {};
            (ids || []).forEach((id, i) => {
                const enabled = (options[i] || []).filter(o => !o.disabled).map(o => o.value);
                const ticked = values[i] || [];
                if (!enabled.every(x => ticked.includes(x))) {
                    out[id.layer] = enabled.filter(x => ticked.includes(x));
                }
            });
            return JSON.stringify(out) === JSON.stringify(current || {}) ? window.dash_clientside.no_update : out;
        },
        /* Shows the class list of a layer only while the layer is shown. */
        classBoxes: function (layers, ids) {
            return (ids || []).map(id => !(layers || []).includes(id.layer));
        },
        /* The ``classes`` store -> ``hideout.only`` of each drawn layer (legend keys; null for all). Only
       the style options change: dash-leaflet redraws the features it holds, nothing is fetched. */
        hideout: function (classes, hideouts, ids) {
            const nu = window.dash_clientside.no_update;
            return (ids || []).map((id, i) => {
                const hideout = hideouts[i] || {};
                const words = (classes || {})[id.layer];
                const only = words ? words.map(w => (hideout.keys || {})[w]).filter(k => k !== undefined) : null;
                if (JSON.stringify(only) === JSON.stringify(hideout.only === undefined ? null : hideout.only)) { return nu; }
                return Object.assign({}, hideout, {only: only});
            });
        }
    };
})();
