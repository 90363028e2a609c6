/* Import screen (« Importer un programme »): sends the chosen file to POST /api/import and hands
   the JSON answer to Dash (dash_clientside.set_props into the `import-result` store).
   Referenced from Python as ClientsideFunction("cartopolisImport", "upload"): a static file, so
   the page needs no inline script. The file is read by the browser (dcc.Upload gives a data URL),
   sent as multipart form-data, parsed in memory on the server and dropped there. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    cartopolisImport: {
        upload: function (contents, filename, territory) {
            var clientside = window.dash_clientside;
            if (!contents) { return clientside.no_update; }
            var started = window.performance.now();
            var done = function (status, body) {
                clientside.set_props("import-result", {data: {
                    status: status,
                    body: body,
                    file: filename,
                    ms: Math.round(window.performance.now() - started),
                    at: Date.now()
                }});
                // the same file chosen again must be sent again: forget it in Dash and in the input
                clientside.set_props("import-upload", {contents: null});
                var input = document.querySelector("#import-upload input[type=file]");
                if (input) { input.value = ""; }
            };
            if (!territory) {
                done(0, {error: "Choisissez d'abord le territoire du programme, puis déposez le fichier."});
                return "";
            }
            var comma = contents.indexOf(",");
            var binary = window.atob(contents.slice(comma + 1));
            var bytes = new Uint8Array(binary.length);
            for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
            var form = new FormData();
            form.append("file", new Blob([bytes]), filename || "programme");
            form.append("territory", territory);
            var url = new URL("api/import", document.baseURI).href;
            window.fetch(url, {method: "POST", body: form, credentials: "same-origin"})
                .then(function (response) {
                    return response.json().then(
                        function (body) { done(response.status, body); },
                        function () { done(response.status, {error: "Réponse illisible du serveur (" + response.status + ")."}); }
                    );
                })
                .catch(function () {
                    done(0, {error: "Le serveur n'a pas répondu à l'envoi de " + filename + " : réessayez."});
                });
            return "Lecture de " + filename + " (" + (bytes.length / 1048576).toFixed(1).replace(".", ",") + " Mo)…";
        }
    }
});
