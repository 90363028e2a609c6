"""Cartopolis pipelines: official open data → clean layers (GeoParquet, Lambert-93) and indicators."""

__version__ = "0.1.0"
