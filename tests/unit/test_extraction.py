"""Document import: every format yields clean text, and every limit and trick is refused."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from workshop_tui.domain.errors import Invalid, NotFound
from workshop_tui.services import extraction
from workshop_tui.services.extraction import (
    ExtractionLimits,
    extract_bytes,
    extract_file,
    extract_upload,
    resolve_inside,
)
from workshop_tui.testing.pdf import minimal_pdf as make_pdf

TIMEOUT = 10




def test_pdf_text_and_pages_are_extracted() -> None:
    data = make_pdf(["Hello from page one", "Second page about Ollama"])
    result = extract_bytes(data, "slides.pdf")
    assert "Hello from page one" in result.text and "Second page about Ollama" in result.text
    assert result.text.index("Hello") < result.text.index("Second")
    assert result.page_count == 2
    assert result.content_type == "application/pdf"
    assert result.checksum == hashlib.sha256(data).hexdigest() and result.size_bytes == len(data)


def test_pdf_page_limit_is_checked() -> None:
    data = make_pdf(["one", "two", "three"])
    with pytest.raises(Invalid, match=r"'big\.pdf' has 3 pages, over the 2-page limit"):
        extract_bytes(data, "big.pdf", ExtractionLimits(max_pages=2))


def test_encrypted_pdf_is_refused_by_name() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["secret text"]))))
    writer.encrypt("hunter2")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(Invalid, match=r"'locked\.pdf' is an encrypted PDF"):
        extract_bytes(buffer.getvalue(), "locked.pdf")


def test_broken_pdf_is_refused_by_name() -> None:
    with pytest.raises(Invalid, match=r"'broken\.pdf' is not a readable PDF"):
        extract_bytes(b"%PDF-1.4\n1 0 obj << garbage", "broken.pdf")


def test_html_keeps_visible_text_only() -> None:
    page = b"""<!doctype html><html><head><title>Guide</title>
    <style>body { color: red }</style><script>steal(document.cookie)</script></head>
    <body><h1>Install&nbsp;guide</h1><p>Run   <b>ollama</b>
    pull &lt;model&gt; &amp; wait.</p><noscript>enable js</noscript><template><p>hidden</p></template>
    <ul><li>one</li><li>two</li></ul>line<br>break</body></html>"""
    result = extract_bytes(page, "guide.html")
    assert result.content_type == "text/html" and result.page_count is None
    lines = result.text.splitlines()
    assert "Install guide" in lines
    assert "Run ollama pull <model> & wait." in lines
    assert "one" in lines and "two" in lines and "line" in lines and "break" in lines
    for hidden in ("steal", "color", "enable js", "hidden", "<b>"):
        assert hidden not in result.text


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("notes.md", "text/markdown"),
        ("readme.txt", "text/plain"),
        ("main.py", "text/x-python"),
        ("conf.yaml", "application/yaml"),
        ("q.sql", "application/sql"),
        ("lib.rs", "text/x-rust"),
    ],
)
def test_text_and_source_files_import(name: str, content_type: str) -> None:
    data = "# Título\r\n\r\nprint('héllo')\x1b]52;c;aGVsbG8=\x07\r\n".encode()
    result = extract_bytes(data, name)
    assert result.text == "# Título\n\nprint('héllo')\n"
    assert result.content_type == content_type


def test_legacy_encodings_are_decoded() -> None:
    assert extract_bytes("naïve café".encode("cp1252"), "a.txt").text == "naïve café"
    assert extract_bytes("\ufeffBOM text".encode(), "b.txt").text == "BOM text"
    assert extract_bytes("wide text".encode("utf-16"), "c.txt").text == "wide text"


def test_binary_content_is_refused() -> None:
    binary = bytes(range(256)) * 8
    with pytest.raises(Invalid, match=r"'photo\.txt' is not a text file"):
        extract_bytes(binary, "photo.txt")
    with pytest.raises(Invalid, match="not a text file"):
        extract_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "unknown.bin")


def test_size_and_character_limits_name_the_file() -> None:
    with pytest.raises(Invalid, match=r"'big\.txt' is 2,000 bytes, over the 1,000 bytes limit"):
        extract_bytes(b"a" * 2000, "big.txt", ExtractionLimits(max_bytes=1000))
    with pytest.raises(Invalid, match=r"'long\.md' has 500 characters of text, over the 100 limit"):
        extract_bytes(b"b" * 500, "long.md", ExtractionLimits(max_chars=100))
    with pytest.raises(Invalid, match="characters"):
        extract_bytes(make_pdf(["x" * 80, "y" * 80]), "long.pdf", ExtractionLimits(max_chars=100))


def test_upload_names_are_reduced_to_a_safe_base_name() -> None:
    result = extract_bytes(b"text", "../../etc/evil\x1b[2J name.txt")
    assert result.filename == "evil name.txt"
    assert extract_bytes(b"text", "C:\\Users\\ann\\doc.md").filename == "doc.md"


def test_empty_document_is_refused() -> None:
    with pytest.raises(Invalid, match="contains no text"):
        extract_bytes(b"  \n\n", "blank.txt")


async def test_async_entry_points_parse_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real = extraction.extract_bytes

    def recording(*args: object, **kwargs: object) -> object:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(extraction, "extract_bytes", recording)
    path = tmp_path / "doc.md"
    path.write_text("# Doc\n\nbody")
    from_file = await asyncio.wait_for(extract_file(path), TIMEOUT)
    from_upload = await asyncio.wait_for(extract_upload(make_pdf(["hi there"]), "x.pdf"), TIMEOUT)
    assert from_file.text == "# Doc\n\nbody" and from_file.filename == "doc.md"
    assert "hi there" in from_upload.text
    assert len(threads) == 2 and threading.get_ident() not in threads


async def test_extract_file_checks_size_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(5000)  # sparse: stat says 5000 bytes
    monkeypatch.setattr(extraction, "extract_bytes", lambda *a, **k: pytest.fail("read despite size"))
    with pytest.raises(Invalid, match=r"'huge\.txt' is 5,000 bytes"):
        await asyncio.wait_for(extract_file(path, ExtractionLimits(max_bytes=1000)), TIMEOUT)


async def test_extract_file_refuses_links_and_special_files(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("real")
    (tmp_path / "link.txt").symlink_to(target)
    with pytest.raises(Invalid, match=r"'link\.txt' is a symbolic link"):
        await asyncio.wait_for(extract_file(tmp_path / "link.txt"), TIMEOUT)
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(Invalid, match="not a regular file"):
        await asyncio.wait_for(extract_file(tmp_path / "pipe.txt"), TIMEOUT)


async def test_extract_file_refuses_a_link_anywhere_on_the_path(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.md").write_text("server secrets")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "course").symlink_to(outside, target_is_directory=True)
    with pytest.raises(Invalid, match=r"symbolic link"):
        await asyncio.wait_for(extract_file(tmp_path / "root" / "course" / "notes.md"), TIMEOUT)


# --- resolve_inside ---------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "imports"
    (base / "course" / "week1").mkdir(parents=True)
    (base / "course" / "week1" / "notes.md").write_text("notes")
    (tmp_path / "secret.txt").write_text("secret")
    return base


def test_paths_inside_the_root_resolve(root: Path) -> None:
    expected = root.resolve() / "course" / "week1" / "notes.md"
    assert resolve_inside(root, "course/week1/notes.md") == expected
    assert resolve_inside(root, Path("./course/week1/notes.md")) == expected
    assert resolve_inside(root, str(root / "course/week1/notes.md")) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [("../secret.txt", "'..'"), ("course/../../secret.txt", "'..'"), ("/etc/passwd", "outside the import root")],
)
def test_escapes_are_refused_with_path_and_reason(root: Path, given: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        resolve_inside(root, given)
    assert given in str(caught.value) and reason in str(caught.value)
    assert caught.value.field == "path"


def test_absolute_path_with_dotdot_is_refused(root: Path) -> None:
    with pytest.raises(Invalid, match=r"'\.\.'"):
        resolve_inside(root, f"{root}/../secret.txt")


def test_any_symlink_on_the_way_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (root / "course" / "shortcut").symlink_to(root / "course" / "week1")  # even one staying inside
    with pytest.raises(Invalid, match=r"'escape\.txt' is a symbolic link"):
        resolve_inside(root, "escape.txt")
    with pytest.raises(Invalid, match=r"'course/shortcut' is a symbolic link"):
        resolve_inside(root, "course/shortcut/notes.md")


def test_missing_file_and_bad_input(root: Path) -> None:
    with pytest.raises(NotFound):
        resolve_inside(root, "course/nothing.md")
    with pytest.raises(Invalid):
        resolve_inside(root, "")
    with pytest.raises(Invalid, match="NUL"):
        resolve_inside(root, "a\x00b")


async def test_uploads_pastes_and_files_share_a_few_extraction_threads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """However many people import at once, only EXTRACTING_AT_ONCE documents are parsed at a time,
    so parsing cannot take every core from the event loop that all sessions share."""
    lock, release = threading.Lock(), threading.Event()
    running, peak = 0, 0

    def held(real: object) -> object:
        def run(*args: object, **kwargs: object) -> object:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                release.wait(TIMEOUT)
                return real(*args, **kwargs)  # type: ignore[operator]
            finally:
                with lock:
                    running -= 1
        return run

    monkeypatch.setattr(extraction, "extract_bytes", held(extraction.extract_bytes))
    monkeypatch.setattr(extraction, "_pasted", held(extraction._pasted))
    for number in range(4):
        (tmp_path / f"doc{number}.md").write_text(f"# Doc {number}\n\nbody")
    calls = [*(extract_file(tmp_path / f"doc{n}.md") for n in range(4)),
             *(extract_upload(f"upload {n}".encode(), f"u{n}.txt") for n in range(4)),
             *(extraction.extract_pasted(f"pasted {n}", "text/plain") for n in range(4))]
    tasks = [asyncio.create_task(call) for call in calls]
    try:
        async def started() -> None:
            while running < extraction.EXTRACTING_AT_ONCE:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(started(), TIMEOUT)
        for _ in range(20):  # give any thread beyond the cap the chance to start
            await asyncio.sleep(0.01)
        assert peak == extraction.EXTRACTING_AT_ONCE
    finally:
        release.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), TIMEOUT)
    assert [r.text for r in results] == [  # type: ignore[union-attr]
        *(f"# Doc {n}\n\nbody" for n in range(4)), *(f"upload {n}" for n in range(4)),
        *(f"pasted {n}" for n in range(4))]
    assert peak == extraction.EXTRACTING_AT_ONCE
