"""Reading ZIP members whatever their compression: inspect ``.eval`` logs are written with
Zstandard since inspect_ai 0.3.205 (``_util/zipfile.py``: ZIP method 93), which Python's
``zipfile`` cannot decompress before 3.14.

A Zstandard member is decompressed by the ``zstandard`` package (python-zstandard). Output
stops at the member's declared size (``check_zip_budget`` bounded the sum of those), must reach
it, and the CRC-32 the archive records must match, as ``zipfile`` checks for its own methods.
Every failure is a ``ValueError`` naming what is wrong.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

ZIP_ZSTANDARD = 93
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature … name length, extra length
_OUT_CHUNK = 1 << 20


def zstd_decompress(raw: bytes, limit: int) -> bytes:
    """``raw`` (one or more Zstandard frames: writers may split a member) decompressed, refusing
    output past ``limit``. A truncated frame gives short output, which ``read_member`` refuses
    by the declared size."""
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    parts: list[bytes] = []
    total = 0
    try:
        while chunk := reader.read(_OUT_CHUNK):
            total += len(chunk)
            if total > limit:
                raise ValueError(f"decompresses past its declared size of {limit:,} bytes")
            parts.append(chunk)
    except zstandard.ZstdError as exc:
        raise ValueError(f"Zstandard data is corrupt ({exc})") from None
    return b"".join(parts)


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of ``info``, found through its local file header in ``data``."""
    start = info.header_offset
    header = data[start : start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise ValueError("local file header is missing")
    fields = _LOCAL_HEADER.unpack(header)
    name_len, extra_len = fields[-2], fields[-1]
    begin = start + _LOCAL_HEADER.size + name_len + extra_len
    raw = data[begin : begin + info.compress_size]
    if len(raw) < info.compress_size:
        raise ValueError("compressed data is truncated")
    return raw


def read_member(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo | str) -> bytes:
    """A member's content: through ``zipfile`` for the methods it knows, decompressed here for
    Zstandard. ``ValueError`` (or ``zipfile``'s own errors) when it cannot be read."""
    if isinstance(info, str):
        info = archive.getinfo(info)
    if info.compress_type != ZIP_ZSTANDARD:
        try:
            return archive.read(info)
        except NotImplementedError as exc:
            raise ValueError(f"uses ZIP compression method {info.compress_type} ({exc})") from None
    if info.flag_bits & 0x1:
        raise ValueError("is encrypted")
    content = zstd_decompress(_raw_member(data, info), max(info.file_size, 0))
    if len(content) != info.file_size:
        raise ValueError(
            f"decompresses to {len(content):,} bytes; the archive declares {info.file_size:,} "
            "(Zstandard data truncated?)"
        )
    if zlib.crc32(content) != info.CRC:
        raise ValueError("CRC-32 does not match the archive's")
    return content
