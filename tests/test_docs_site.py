"""The documentation as a reader meets it: the site's navigation has every page, the
site loads nothing from a third party, the README and the usage page document every
option, and this repository's own flake8 run lints only its own code."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flake8_async_review.frontends.rule_docs import expected_pages
from flake8_async_review.rules import ALL_RULES
from flake8_async_review.settings import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = ROOT / "mkdocs.yml"


def _nav_pages() -> list[str]:
    """The pages mkdocs.yml's ``nav`` lists, in order (``- Title: page.md`` or ``- page.md``)."""
    text = MKDOCS.read_text(encoding="utf-8")
    nav = text[text.index("\nnav:\n"):]
    return re.findall(r"^\s+- (?:[^:\n]+: )?([\w/.-]+\.md)$", nav, flags=re.MULTILINE)


def test_the_navigation_lists_every_rule_page_in_the_index_order() -> None:
    rule_pages = [p for p in _nav_pages() if p.startswith("rules/")]
    assert rule_pages == ["rules/index.md", *(f"rules/{rule.code}.md" for rule in ALL_RULES)], (
        "mkdocs.yml's nav must list rules/index.md, then every rule page in code order")
    assert set(expected_pages()) == {p.removeprefix("rules/") for p in rule_pages}
    others = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert others <= set(_nav_pages())


def test_the_theme_loads_no_web_fonts() -> None:
    assert re.search(r"^theme:\n(?:  .*\n)*  font: false\n", MKDOCS.read_text(encoding="utf-8"),
                     flags=re.MULTILINE)


class _Resources(HTMLParser):
    """The addresses a page makes the browser load: scripts, stylesheets, preconnects,
    images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video"):
            self.loaded.append(values.get("src") or "")
        elif tag == "link" and values.get("rel") not in ("canonical", "alternate"):
            self.loaded.append(values.get("href") or "")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The site as ``mkdocs build --strict`` builds it, and what mkdocs said."""
    pytest.importorskip("mkdocs", reason="the docs extra is not installed")
    pytest.importorskip("material", reason="the docs extra is not installed")
    directory = tmp_path_factory.mktemp("docs") / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    return directory, build.stderr


def test_the_site_builds_with_every_page_in_the_navigation_and_nothing_from_a_cdn(
    site: tuple[Path, str],
) -> None:
    directory, log = site
    assert "not included in the \"nav\"" not in log, log
    pages = list(directory.rglob("*.html"))
    assert len(pages) > len(ALL_RULES)
    for page in pages:
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        remote = [url for url in parser.loaded if re.match(r"(https?:)?//", url)]
        assert remote == [], f"{page.relative_to(directory)} loads {remote}"


BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _headless(*args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    return subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", "--window-size=1280,900", *args],
                          capture_output=True, text=True, check=False, timeout=120)


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the (filtered) pixel bytes of a PNG file."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    position, width, height, pixels = 8, 0, 0, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            pixels += body
        position += 12 + length
    return width, height, zlib.decompress(pixels)


@pytest.mark.skipif(BROWSER is None, reason="no headless browser (Debian: apt-get install chromium)")
@pytest.mark.parametrize(("page", "title", "heading"), [
    ("rules/index.html", "All rules - flake8-async-review", "Rules"),
    ("rules/ASR101/index.html", "ASR101 - flake8-async-review",
     "ASR101: blocking-sleep-in-async-function"),
])
def test_a_browser_renders_the_rule_pages(
    site: tuple[Path, str], page: str, title: str, heading: str, tmp_path: Path,
) -> None:
    """The rule index and a rule page, rendered by a headless browser: the page as the
    browser sees it (after its scripts ran) has its title, heading and table, and its
    screenshot is a picture, not a blank page. ``ASR_SCREENSHOT_DIR`` keeps the PNGs."""
    url = (site[0] / page).as_uri()
    dom = _headless("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr
    assert f"<title>{title}</title>" in dom.stdout
    assert re.search(rf"<h1[^>]*>{re.escape(heading)}", dom.stdout)
    assert "<table" in dom.stdout and "ASR101" in dom.stdout
    screenshot = tmp_path / (page.replace("/", "-").removesuffix(".html") + ".png")
    shot = _headless(f"--screenshot={screenshot}", url)
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr
    width, height, pixels = _png_pixels(screenshot.read_bytes())
    assert (width, height) == (1280, 900)
    assert len(set(pixels)) > 32, "the screenshot is blank"
    keep = os.environ.get("ASR_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, Path(keep) / screenshot.name)


def test_the_readme_options_table_lists_every_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(--asr-[a-z-]+)` \|", readme, flags=re.MULTILINE)
    assert rows == [spec.flag for spec in OPTIONS]


def test_the_usage_page_documents_every_option() -> None:
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### `(--asr-[a-z-]+)`$", usage, flags=re.MULTILINE)
    assert sorted(documented) == sorted(spec.flag for spec in OPTIONS)


def test_flake8_on_this_repository_skips_the_virtual_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``flake8 --select ASR .`` after the README's "Try it" lints this project only."""
    from flake8_async_review.frontends.core import Session

    monkeypatch.chdir(ROOT)
    session = Session(["."])
    assert session.excluded("./.venv") and session.excluded("./benchmarks/.cache")
    assert not session.excluded("./src")
