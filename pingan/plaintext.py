"""Text as a person could read it: what the leak check and the story consent check match against.

A value can be hidden from a plain substring search in many ways that a
browser, a spreadsheet or a curious reader undoes at once: full-width digits
(NFKC), entities (`石强&#28085;`), inline markup (`石**强涵**`, `187<b>1009</b>5656`),
zero-width and other invisible characters (U+200B, U+2060, soft hyphen),
spaces or punctuation between digits (`(187)1009.5656`), percent-encoding
(`%E7%9F%B3`) and base64. `readable` undoes all of them; `variants` adds
the percent- and base64-decoded readings of a text.
"""
from __future__ import annotations

import base64
import binascii
import html
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import unquote

#: Inline elements: removed without a trace (a name split by them is still one name).
_INLINE = ("a|abbr|b|bdi|bdo|big|cite|code|data|del|dfn|em|font|i|ins|kbd|mark|q|rp|rt|ruby|s|samp|small|"
           "span|strike|strong|sub|sup|time|tt|u|var|wbr")
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE})(?:\s[^<>]*)?/?>", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
#: Any other tag ends a piece of text: table cells must not run together into one long number.
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
BREAK = "\x00"
#: Markdown emphasis and code marks, removed wherever they are (`石**强涵**`, `187~~1009~~5656`).
_MARKS = re.compile(r"[*_~`]")
_ATTRIBUTE = re.compile(r"""[\s"'/][A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>`]+)""")
_OPEN_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{8,}={0,2}")
_WHITESPACE = re.compile(r"\s+")
MAX_BASE64_TOKENS = 20000


#: Characters that show as nothing: format characters (Cf), variation selectors, Hangul fillers.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e0fff]")


def unescaped(text: str) -> str:
    """Entities decoded, twice over (`&amp;#28085;` is what an editor makes of `&#28085;`)."""
    for _ in range(3):
        if "&" not in text:
            break
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def readable(text: str) -> str:
    """`text` as it reads: entities decoded, NFKC, invisible characters and inline markup removed."""
    text = unescaped(text)
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    if "<" in text:
        text = _COMMENT.sub("", text)
        text = _INLINE_TAG.sub("", text)
        text = _TAG.sub(BREAK, text)
    return _MARKS.sub("", text)


def squeezed(text: str) -> str:
    """Readable text without any whitespace: names and addresses are matched in this form."""
    return _WHITESPACE.sub("", text)


def attributes(markup: str) -> Iterator[str]:
    """Every attribute value of every tag (alt, title, <meta content>, href …), entities decoded."""
    for tag in _OPEN_TAG.finditer(markup):
        for found in _ATTRIBUTE.finditer(tag.group(0)):
            value = found.group(1)
            yield unescaped(value[1:-1] if value[:1] in "\"'" else value)


def _printable(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and sum(ch.isprintable() or ch.isspace() for ch in text) >= 0.9 * len(text) else None


def decoded_layers(text: str) -> Iterator[str]:
    """Percent- and base64-encoded pieces of `text`, decoded (each piece that decodes to readable text)."""
    if "%" in text:
        decoded = _PERCENT.sub(lambda m: unquote(m.group(0)), text)
        if decoded != text:
            yield decoded
    for count, token in enumerate(_BASE64.finditer(text)):
        if count >= MAX_BASE64_TOKENS:
            break
        value = token.group(0).rstrip("=")
        if len(value) % 4 == 1:
            continue
        padded = value + "=" * (-len(value) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            continue
        found = _printable(raw)
        if found is not None:
            yield found


def variants(text: str, depth: int = 2) -> Iterator[str]:
    """`text` and every decoded reading of it (decodings nest up to `depth` layers: base64 of a %-string)."""
    yield text
    if depth > 0:
        for layer in decoded_layers(text):
            yield from variants(layer, depth - 1)
