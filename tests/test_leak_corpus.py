"""The leak corpus: every way of writing a person's data we know of, in every place a file can hold it, is caught.

Each form (a name split by markup, a phone with dots, an ID number in full-width
digits, base64 …) is planted in each position (page body, <title>,
<meta name="description">, an attribute, a file name, an .xlsx attachment, a
gzip file not named .gz, a PNG text chunk, a JPEG comment) and scanned with the
secrets of the demo repository: every one must be found as the right kind of
data of the right record. The demo site itself has no hit (tests/test_leak.py).
"""
from __future__ import annotations

import base64
import gzip
import html
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from pingan import leak
from pingan.reader import Repository

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
CHINESE = str.maketrans("0123456789", "〇一二三四五六七八九")


@pytest.fixture(scope="module")
def person(demo_site: tuple[Path, Path]) -> dict[str, str]:
    repo = Repository(demo_site[0])
    for rel in repo.paths:
        data = repo.load(rel).data or {}
        if len(str(data.get("姓名", ""))) == 3 and data.get("QQ") and "市" in str(data.get("通信地址", "")):
            return {k: str(v) for k, v in data.items() if isinstance(v, (str, int))}
    raise AssertionError("no suitable demo record")


@pytest.fixture(scope="module")
def scanner(demo_site: tuple[Path, Path]) -> leak.Scanner:
    return leak.Scanner(leak.secrets_of(demo_site[0]))


def forms(p: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, kind, text) of every way of writing the person's data."""
    name, mobile, number, qq, address = p["姓名"], p["手机"], p["身份证号码"], p["QQ"], p["通信地址"]
    b64 = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    city_free = address.split("市", 1)[1]
    digit = re.search(r"[0-9]", address)
    found: list[tuple[str, str, str]] = [
        ("name", leak.NAME, name),
        ("name spaced", leak.NAME, " ".join(name)),
        ("name ideographic space", leak.NAME, "\u3000".join(name)),
        ("name markdown bold", leak.NAME, f"{name[0]}**{name[1:]}**"),
        ("name html bold", leak.NAME, f"{name[0]}<b>{name[1:]}</b>"),
        ("name span", leak.NAME, f'{name[0]}<span class="x">{name[1]}</span>{name[2:]}'),
        ("name comment", leak.NAME, f"{name[0]}<!-- x -->{name[1:]}"),
        ("name decimal entity", leak.NAME, f"{name[:-1]}&#{ord(name[-1])};"),
        ("name hex entity", leak.NAME, f"&#x{ord(name[0]):x};{name[1:]}"),
        ("name double entity", leak.NAME, f"{name[:-1]}&amp;#{ord(name[-1])};"),
        ("name word joiner", leak.NAME, "\u2060".join(name)),
        ("name zero width and soft hyphen", leak.NAME, f"{name[0]}\u200b{name[1]}\u00ad{name[2:]}"),
        ("name percent", leak.NAME, quote(name)),
        ("name base64", leak.NAME, b64(name)),
        ("name base64 of percent", leak.NAME, b64("姓名=" + quote(name))),
        ("mobile", leak.MOBILE, mobile),
        ("mobile spaced", leak.MOBILE, f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"),
        ("mobile dotted", leak.MOBILE, f"{mobile[:3]}.{mobile[3:7]}.{mobile[7:]}"),
        ("mobile parenthesised", leak.MOBILE, f"({mobile[:3]}){mobile[3:]}"),
        ("mobile dashed", leak.MOBILE, f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"),
        ("mobile full width", leak.MOBILE, mobile.translate(FULL_WIDTH)),
        ("mobile country code", leak.MOBILE, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"),
        ("mobile tel link", leak.MOBILE, f"tel:+86{mobile}"),
        ("mobile percent", leak.MOBILE, "".join(f"%{ord(c):02X}" for c in mobile)),
        ("mobile base64", leak.MOBILE, b64(mobile)),
        ("mobile chinese numerals", leak.MOBILE, mobile.translate(CHINESE)),
        ("mobile split by markup", leak.MOBILE, f"{mobile[:3]}<b>{mobile[3:7]}</b>{mobile[7:]}"),
        ("mobile zero width", leak.MOBILE, "\u200b".join(mobile)),
        ("mobile entities", leak.MOBILE, f"{mobile[:3]}&#8203;{mobile[3:7]}&#x200B;{mobile[7:]}"),
        ("id", leak.ID, number),
        ("id grouped", leak.ID, f"{number[:6]} {number[6:14]} {number[14:]}"),
        ("id full width", leak.ID, number.translate(FULL_WIDTH)),
        ("id dashed", leak.ID, f"{number[:6]}-{number[6:14]}-{number[14:]}"),
        ("id in fours", leak.ID, " ".join(number[i:i + 4] for i in range(0, 18, 4))),
        ("id lower x", leak.ID, number.lower()),
        ("id base64", leak.ID, b64(f"身份证:{number}")),
        ("id percent", leak.ID, "".join(f"%{ord(c):02x}" for c in number)),
        ("id markdown", leak.ID, f"{number[:9]}**{number[9:]}**"),
        ("id inside longer number", leak.ID, f"99{number}00"),
        ("qq", leak.QQ, f"QQ：{qq}"),
        ("qq spaced", leak.QQ, " ".join(qq)),
        ("qq full width", leak.QQ, qq.translate(FULL_WIDTH)),
        ("address", leak.ADDRESS, address),
        ("address extra space", leak.ADDRESS, address.replace("市", "市 ", 1)),
        ("address without city", leak.ADDRESS, city_free),
        ("address spaces removed", leak.ADDRESS, address.replace(" ", "")),
        ("address markup", leak.ADDRESS, f"{address[:4]}<em>{address[4:]}</em>"),
        ("address entity", leak.ADDRESS, f"{address[:5]}&#{ord(address[5])};{address[6:]}"),
        ("address percent", leak.ADDRESS, quote(address)),
        ("address base64", leak.ADDRESS, b64(address)),
    ]
    if digit:
        found.append(("address full-width digits", leak.ADDRESS, address.translate(FULL_WIDTH)))
    landline = re.sub(r"[^0-9]", "", p.get("固定电话", ""))
    if len(landline) >= 10:
        found += [("landline parenthesised", leak.LANDLINE, f"({landline[:4]}){landline[4:]}"),
                  ("landline spaced", leak.LANDLINE, f"{landline[:4]} {landline[4:7]} {landline[7:]}")]
    return found


def page(head: str = "", body: str = "") -> bytes:
    return (f'<!doctype html><html><head><meta charset="utf-8">{head}</head>'
            f'<body><article><p>服务记录</p>{body}</article></body></html>').encode()


def attachment(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/sharedStrings.xml", f'<sst><si><t>姓名</t></si><si><t>{html.escape(text)}</t></si></sst>')
    return buffer.getvalue()


def png(text: str) -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("Description", text)
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg(text: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "JPEG", comment=text.encode())
    return buffer.getvalue()


POSITIONS: dict[str, Callable[[str], tuple[str, bytes]]] = {
    "body": lambda t: ("about/index.html", page(body=f"<p>{t}</p>")),
    "title": lambda t: ("about/index.html", page(head=f"<title>{t}</title>")),
    "description": lambda t: ("about/index.html", page(head=f'<meta name="description" content="{html.escape(t)}">')),
    "attribute": lambda t: ("about/index.html", page(body=f'<img alt="{html.escape(t)}" src="a.png">')),
    "file name": lambda t: (f"assets/{t.replace('/', '_')}.html", page()),  # base64 as in URLs: - and _
    "xlsx attachment": lambda t: ("stories/附件.xlsx", attachment(t)),
    "gzip not named .gz": lambda t: ("assets/data.bin", gzip.compress(page(body=t))),
    "png text chunk": lambda t: ("assets/photo.png", png(t)),
    "jpeg comment": lambda t: ("assets/photo.jpg", jpeg(t)),
}


def test_the_corpus_is_large_enough(person: dict[str, str]) -> None:
    assert len(forms(person)) >= 40 and len(POSITIONS) >= 7


def test_every_form_in_every_position_is_caught(person: dict[str, str], scanner: leak.Scanner) -> None:
    missed = []
    for label, kind, text in forms(person):
        for position, plant in POSITIONS.items():
            if position == "file name" and "<" in text:
                continue  # markup cannot be part of a file name
            rel, raw = plant(text)
            found = {(h.kind, h.record) for h in scanner.hits_in(rel, raw)}
            if (kind, person["编号"]) not in found:
                missed.append(f"{label} in {position}")
    assert missed == [], "\n".join(missed)


def test_two_character_names_are_caught_where_they_are_looked_for(demo_site: tuple[Path, Path]) -> None:
    repo = Repository(demo_site[0])
    names = (str((repo.load(rel).data or {}).get("姓名", "")) for rel in repo.paths)
    name = next(n for n in names if len(n) == 2 and n not in leak.COMMON_WORDS)
    secrets = leak.Secrets(names={name: "x-00001"})
    scanner = leak.Scanner(secrets)
    spaced = f"{name[0]}<b>{name[1]}</b>"
    for rel, raw in (("stories/2015/a/index.html", page(body=spaced)), ("generated/stats/index.html", page(body=name)),
                     ("about/index.html", page(body=f'<img alt="{name}">')), (f"assets/{name}.png", b""),
                     ("about/index.html", page(head=f'<meta name="description" content="{name}">'))):
        assert {h.kind for h in scanner.hits_in(rel, raw)} == {leak.NAME}, rel
    assert scanner.hits_in("about/index.html", page(body=f"<p>{name}</p>")) == set()  # a hand-written page's text


def test_ordinary_words_and_masked_numbers_are_not_hits(person: dict[str, str], scanner: leak.Scanner) -> None:
    number, mobile = person["身份证号码"], person["手机"]
    masked = f"{number[:6]}********{number[-4:]} {mobile[:3]}****{mobile[-4:]}"
    quiet = leak.Scanner(leak.Secrets(numbers=scanner.secrets.numbers, names={"文明": "x-00001"}))
    assert quiet.hits_in("stories/a/index.html", page(body=f"<p>倡导文明出行。{masked}</p>")) == set()
