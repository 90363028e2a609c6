"""Cartopolis dashboard: a Dash app (French UI, offline) reading the layer store.

``dashboard.app.create_app(store)`` builds the app; ``dashboard.app:server`` is the Flask server
for gunicorn. Importing the package does not build anything (the pure modules stay cheap).
"""


def create_app(store=None):
    """Build the Dash app on ``store`` (see :func:`dashboard.app.create_app`)."""
    from .app import create_app as _create_app

    return _create_app(store)


__all__ = ["create_app"]
