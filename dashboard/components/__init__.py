"""Pieces shared by several views: tables, provenance badges, legends (and, later, charts)."""
