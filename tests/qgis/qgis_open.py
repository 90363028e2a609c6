"""Open a QGIS project with the real QGIS (PyQGIS, headless) and print what it shows, as JSON.

Run by Debian's python3 (``python3-qgis``), not the project's venv:
``QT_QPA_PLATFORM=offscreen python3 tests/qgis/qgis_open.py PROJECT.qgz``. For every layer: valid
or not, CRS, feature count, renderer type, categories (value, label, colour), metadata (rights,
licences, links, keywords), and the class QGIS gives each feature (its renderer expression
evaluated on the feature).
"""

import json
import sys

from qgis.core import (
    QgsApplication,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsProject,
)


def main(path: str) -> int:
    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    ok = project.read(path)
    out = {"read": ok, "title": project.title(), "crs": project.crs().authid(), "layers": [], "tree": []}
    for group in project.layerTreeRoot().children():
        out["tree"].append({"group": group.name(), "layers": [child.name() for child in group.children()]})
    for layer in project.mapLayers().values():
        renderer = layer.renderer()
        info = {
            "id": layer.id(),
            "name": layer.name(),
            "valid": layer.isValid(),
            "crs": layer.crs().authid(),
            "features": layer.featureCount(),
            "renderer": renderer.type() if renderer else None,
            "rights": layer.metadata().rights(),
            "licences": layer.metadata().licenses(),
            "links": [link.url for link in layer.metadata().links()],
            "keywords": layer.metadata().keywords(),
            "checked": project.layerTreeRoot().findLayer(layer.id()).isVisible(),
        }
        if renderer and renderer.type() == "categorizedSymbol":
            info["categories"] = [[c.value(), c.label(), c.symbol().color().name()] for c in renderer.categories()]
            expression = QgsExpression(renderer.classAttribute())
            context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
            expression.prepare(context)
            keys = []
            for feature in layer.getFeatures():
                context.setFeature(feature)
                value = expression.evaluate(context)
                keys.append([feature["fid"], None if value is None else str(value)])
            info["error"] = expression.evalErrorString()
            info["keys"] = keys
        elif renderer and renderer.type() == "singleSymbol":
            info["colour"] = renderer.symbol().color().name()
        out["layers"].append(info)
    print(json.dumps(out, ensure_ascii=False))
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
