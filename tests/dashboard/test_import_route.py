"""``POST /api/import``: drafts as JSON from an upload parsed in memory; French refusals with 413/400/422."""

from __future__ import annotations

import io

import pytest


def _post(client, content: bytes, name: str, territory: str):
    data = {"file": (io.BytesIO(content), name), "territory": territory}
    return client.post("/api/import", data=data, content_type="multipart/form-data")


@pytest.fixture
def territory(mini_app):
    return mini_app.cartopolis_data.territory_ids()[0]


def test_upload_gives_drafts_with_their_line(client, territory):
    text = "# Programme\n\n## Santé\n\n- Ouvrir une maison de santé\n- Créer une navette vers l’hôpital\n"
    response = _post(client, text.encode(), "programme.md", territory)
    assert response.status_code == 200
    body = response.get_json()
    assert body["mesures"] == 2 and body["programme"]["territory"] == territory
    first = body["programme"]["measures"][0]
    assert (first["quote"], first["section"], first["ligne"], first["draft"]) == (
        "Ouvrir une maison de santé",
        "Programme › Santé",
        5,
        True,
    )
    assert not any(key.startswith("_") for key in first)


def test_six_megabytes_refused_with_413(client, territory):
    response = _post(client, b"x" * (6 * 1024 * 1024 + 10), "gros.txt", territory)
    assert response.status_code == 413
    assert "Fichier trop gros" in response.get_json()["error"]


@pytest.mark.parametrize(
    ("content", "name", "status", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "affiche.png", 400, "type de fichier"),
        (b"\x00\x01binaire" * 50, "programme.txt", 400, "binaire"),
        (b"%PDF-1.7 pas vraiment", "programme.pdf", 422, "PDF illisible"),
        (b"Nos rues sont belles.\n", "rien.txt", 422, "aucune mesure"),
    ],
)
def test_refusals_are_french_and_named(client, territory, content, name, status, words):
    response = _post(client, content, name, territory)
    assert response.status_code == status
    message = response.get_json()["error"]
    assert words in message and name in message


def test_unknown_territory_and_missing_file(client):
    response = _post(client, "- Créer une piste cyclable\n".encode(), "p.txt", "atlantis")
    assert response.status_code == 400 and "Territoire inconnu" in response.get_json()["error"]
    response = client.post("/api/import", data={"territory": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Aucun fichier" in response.get_json()["error"]
