"""Text normalisation shared by parsing and hashing, as the reference tooling does it.

The reference reads every file line by line with a scanner that splits on LF and drops one
trailing CR per line, then re-joins with LF. So CRLF and LF files hash the same, a missing
final newline is added, and a lone CR inside a line is content.
"""

from __future__ import annotations

import base64
import hashlib

from ledger.errors import SpecError

_WS = " \t"  # the only whitespace CfS recognises in headings and qualifiers

MAX_LINE_BYTES = 65535
"""Longest line the reference can read. It reads every file with Go's ``bufio.Scanner``, whose
64 KiB token limit (``bufio.MaxScanTokenSize``) makes a longer line a read error
(``oslayer/file.go`` ``ReadLine``): that node, chain member or artifact is unreadable to it."""


def check_line_lengths(data: bytes, file: str) -> None:
    """Refuse what the reference cannot read: a line (CR included, LF not) over 65535 bytes."""
    if len(data) <= MAX_LINE_BYTES:
        return
    lines = data.split(b"\n")
    if len(max(lines, key=len)) <= MAX_LINE_BYTES:
        return
    number = next(i for i, line in enumerate(lines, start=1) if len(line) > MAX_LINE_BYTES)
    raise SpecError(
        f"line is {len(lines[number - 1])} bytes long; the reference tooling reads lines of at most "
        f"{MAX_LINE_BYTES} bytes (Go bufio.Scanner) and cannot read this file",
        file=file,
        line=number,
    )


# unicode.IsSpace in Go: what strings.TrimSpace strips (Python's str.isspace adds U+001C..U+001F).
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)


def go_is_blank(line: str) -> bool:
    """``strings.TrimSpace(line) == ""`` as Go computes it (Unicode White_Space, not Python's)."""
    return all(ch in _GO_SPACE for ch in line)


def split_lines(data: bytes) -> list[bytes]:
    """Lines as the reference's scanner yields them: LF-split, one trailing CR dropped each."""
    if not data:
        return []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


def normalized_file_bytes(data: bytes) -> bytes:
    """Whole-file content as the chain sees it (ARTIFACT/EXTERNAL members): lines + LF each.

    An empty file becomes a single LF, exactly as the reference's ``ReadFileContent``.
    """
    return b"\n".join(split_lines(data)) + b"\n"


def checksum_bytes(data: bytes) -> bytes:
    """Manifest checksum input: every line followed by LF (an empty file stays empty)."""
    return b"".join(line + b"\n" for line in split_lines(data))


def sha1_b64(data: bytes) -> str:
    """SHA-1 as base64url without padding: the 27-character CfS hash encoding."""
    return b64url(hashlib.sha1(data).digest())


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def normalize_heading(text: str) -> str:
    """Trim, collapse runs of space/tab to one space, Unicode case fold (FILE_FORMAT.md)."""
    trimmed = text.strip(_WS)
    out: list[str] = []
    in_ws = False
    for ch in trimmed:
        if ch in _WS:
            if not in_ws:
                out.append(" ")
                in_ws = True
        else:
            out.append(ch)
            in_ws = False
    return "".join(out).casefold()


def is_blank(line: str) -> bool:
    return line.strip(_WS) == ""


def extract_block(content: list[str]) -> str:
    """Block extraction: drop boundary blank lines, end with exactly one LF ('' when empty)."""
    start, end = 0, len(content)
    while start < end and is_blank(content[start]):
        start += 1
    while end > start and is_blank(content[end - 1]):
        end -= 1
    if start == end:
        return ""
    return "\n".join(content[start:end]) + "\n"


def format_block(raw_heading: str, content: list[str]) -> str:
    """A block as delivered: heading line (trailing whitespace stripped) + LF + extracted content."""
    return raw_heading.rstrip(_WS) + "\n" + extract_block(content)
