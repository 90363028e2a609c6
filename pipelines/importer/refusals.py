"""Why a file is refused: one exception with an English message (CLI) and a French one (screen)."""

from __future__ import annotations

from ..errors import CartopolisError

#: Largest programme file accepted (bytes): the import screen's limit, also applied by the CLI.
MAX_FILE_BYTES = 5 * 1024 * 1024


class ImportRefused(CartopolisError):
    """A programme file that cannot become a draft.

    Attributes
    ----------
    code : str
        ``too_big``, ``wrong_type``, ``binary``, ``encoding``, ``scanned``, ``unreadable``,
        ``empty`` or ``no_measure``: what the screen maps to an HTTP status.
    french : str
        The message shown to a person on the import screen.
    """

    def __init__(self, code: str, message: str, french: str):
        super().__init__(message)
        self.code = code
        self.french = french
