"""Rich tables for data: every cell and title given as a string is shown as plain text.

Rich reads ``[…]`` in a string cell as console markup: an event summary such as
``model_response [thinking, tool_use]`` lost its brackets, and a closing tag with nothing to
close (``[/INST]`` in a prompt, ``SELECT '[/x]'`` in ``ledger sql``) raised ``MarkupError`` in
the middle of a command. What the ledger shows comes from attestations, transcripts and the
user's own SQL, so strings are never markup here; a styled cell is passed as ``rich.text.Text``.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


class DataTable(Table):
    """A ``rich.table.Table`` whose string cells and title are literal text."""

    def __init__(self, *headers: Any, title: str | Text | None = None, **kwargs: Any) -> None:
        super().__init__(*headers, title=Text(title) if isinstance(title, str) else title, **kwargs)

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        super().add_row(*(Text(r) if isinstance(r, str) else r for r in renderables), **kwargs)
