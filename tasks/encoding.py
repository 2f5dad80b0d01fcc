"""Which character encoding a page's bytes are in, decided as browsers decide it.

The WHATWG Encoding Standard (https://encoding.spec.whatwg.org/) is what every browser follows,
and so what every page author tested against. Its label table comes from the `webencodings`
package. In order:

1. a byte order mark (UTF-8, UTF-16LE/BE);
2. the HTTP ``Content-Type`` charset, mapped through the label table (``iso-8859-1``, ``latin1``
   and ``ascii`` are all windows-1252, so bytes 0x80-0x9F are „ “ – … and not control codes);
3. a ``<meta charset>`` / ``http-equiv`` declaration in the first bytes, mapped the same way,
   except that a meta cannot declare UTF-16 (the page would not be readable ASCII to find the
   meta in): UTF-16 there means UTF-8, and ``x-user-defined`` means windows-1252;
4. with no declaration: UTF-8 when the bytes are UTF-8; else a statistical guess, kept only when it
   names an encoding browsers know; a page that is ASCII but for a few stray bytes is
   windows-1252 (the browsers' default for undeclared legacy pages), never some exotic codec.

Bytes the chosen encoding cannot decode become U+FFFD (``errors="replace"``), as in browsers.
"""

from __future__ import annotations

import codecs
import re

import webencodings

__all__ = ["detect_encoding", "decode_html", "lookup_label"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w:.-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w:.-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def lookup_label(label: str | bytes | None, from_meta: bool = False) -> str | None:
    """The Python codec name for an encoding label as browsers read it, or None if unknown."""
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    enc = webencodings.lookup(label.strip()) if label and label.strip() else None
    if enc is None:
        return None
    name = enc.name
    if from_meta and name in ("utf-16le", "utf-16be"):
        name = "utf-8"
    if name == "x-user-defined":
        name = "windows-1252"
    enc = webencodings.lookup(name)
    # prefer the WHATWG name where Python reads it the same way ("windows-1252"), else the codec
    # webencodings maps it to ("cp932" for shift_jis)
    try:
        if codecs.lookup(enc.name).name == enc.codec_info.name:
            return enc.name
    except LookupError:
        pass
    return enc.codec_info.name


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-byte sequence cut off by a size limit at the very end is still UTF-8
        return e.start >= len(body) - 3 and e.reason == "unexpected end of data"
    return True


def _guess(body: bytes) -> str:
    non_ascii = sum(1 for b in body[:200_000] if b >= 0x80)
    if non_ascii <= max(8, len(body[:200_000]) // 1000):
        return "windows-1252"  # ASCII with a few stray bytes: too little to guess from
    from bs4.dammit import EncodingDetector

    for guess in EncodingDetector(body[:200_000], is_html=True, known_definite_encodings=[]).encodings:
        name = lookup_label(guess)
        if name is None or name in ("utf-16-le", "utf-16-be", "utf-16le", "utf-16be"):
            continue
        try:
            body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
        return name
    return "windows-1252"


def detect_encoding(body: bytes, content_type: str | None) -> str:
    """The encoding of an HTML page's bytes (a Python codec name), per the WHATWG rules above."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    m = _HTTP_CHARSET.search(content_type or "")
    declared = lookup_label(m.group(1)) if m else None
    if declared:
        return declared
    mm = _META_CHARSET.search(body[:4096])
    declared = lookup_label(mm.group(1), from_meta=True) if mm else None
    if declared:
        return declared
    return "utf-8" if _is_utf8(body) else _guess(body)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """The page's text: decoded with :func:`detect_encoding`, undecodable bytes as U+FFFD."""
    enc = detect_encoding(body, content_type)
    if enc == "utf-8" and body.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    return body.decode(enc, errors="replace")
