"""Chunking a Markdown document: offsets that point back at the source, headings, overlap, tails."""

from __future__ import annotations

from itertools import pairwise

import pytest

from workshop_tui.domain.chunking import Chunk, chunk_markdown
from workshop_tui.domain.errors import Invalid

SENTENCES = [
    "Ollama runs large language models on your own machine.",
    "Each attendee connects over SSH and gets a private workspace.",
    "The instructor decides which models every role may use.",
    "Documents are split into chunks and embedded for retrieval.",
    "A retrieved chunk is cited with its heading path and offsets.",
    "Nothing leaves the room, which keeps the workshop private.",
]


def paragraph(n: int, seed: int) -> str:
    return " ".join(SENTENCES[(seed + i) % len(SENTENCES)] for i in range(n))


DOC = (
    "Welcome to the workshop. " + paragraph(3, 0) + "\n\n"
    "# Install\n\n"
    "## Linux\n\n"
    + "\n\n".join(paragraph(4, i) for i in range(6))
    + "\n\n```bash\n# this is a shell comment, not a heading\ncurl -fsSL https://ollama.com/install.sh | sh\n```\n\n"
    "## macOS ##\r\n\r\n" + paragraph(2, 3) + "\r\n\r\n"
    "# Usage\n\n" + paragraph(30, 1) + " Short end.\n"
)


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    return chunk_markdown(DOC, size=500, overlap=80, min_chunk=120)


def test_every_chunk_points_exactly_at_its_source(chunks: list[Chunk]) -> None:
    assert chunks
    for position, chunk in enumerate(chunks):
        assert chunk.index == position
        assert DOC[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text


def test_headings_become_paths_and_sections_are_not_mixed(chunks: list[Chunk]) -> None:
    paths = [c.heading_path for c in chunks]
    assert paths[0] == ()
    assert ("Install", "Linux") in paths
    assert ("Install", "macOS") in paths  # closing hashes are not part of the title
    assert ("Usage",) in paths
    assert paths == sorted(paths, key=[(), ("Install", "Linux"), ("Install", "macOS"), ("Usage",)].index)
    for chunk in chunks:
        if chunk.heading_path != ("Usage",):
            assert "# Usage" not in chunk.text


def test_heading_only_parent_is_kept_in_the_first_child_chunk(chunks: list[Chunk]) -> None:
    first_linux = next(c for c in chunks if c.heading_path == ("Install", "Linux"))
    assert first_linux.text.startswith("# Install\n\n## Linux")


def test_hash_inside_code_fence_is_not_a_heading(chunks: list[Chunk]) -> None:
    paths = {c.heading_path for c in chunks}
    assert not any("this is a shell comment" in " ".join(p) for p in paths)
    fenced = [c for c in chunks if "shell comment" in c.text]
    assert fenced and all(c.heading_path == ("Install", "Linux") for c in fenced)


def test_long_sections_are_split_with_overlap_at_natural_boundaries(chunks: list[Chunk]) -> None:
    usage = [c for c in chunks if c.heading_path == ("Usage",)]
    assert len(usage) >= 3
    for previous, current in pairwise(usage):
        assert current.start < previous.end, "neighbouring chunks overlap"
        assert current.start > previous.start
        assert previous.text[-1] in ".!?", "a cut prefers a sentence end"
        assert DOC[current.start - 1].isspace(), "a chunk starts at a word boundary"
    assert all(len(c.text) <= 500 + 120 for c in chunks)


def test_tiny_tail_is_merged_into_previous_chunk_of_its_section() -> None:
    text = "# Notes\n\n" + "word " * 190 + "\n\nTail."
    pieces = chunk_markdown(text, size=500, overlap=50, min_chunk=100)
    assert pieces[-1].text.endswith("Tail.")
    assert len(pieces[-1].text) > 100
    assert all(text[c.start : c.end] == c.text for c in pieces)
    # A tail in another section is never merged across the heading.
    other = chunk_markdown("# A\n\n" + "x " * 20 + "\n\n# B\n\nTiny.", size=500, overlap=50, min_chunk=100)
    assert [c.heading_path for c in other] == [("A",), ("B",)]


def test_location_reads_like_a_citation() -> None:
    chunk = Chunk(index=0, text="x", heading_path=("Install", "Linux"), start=120, end=980)
    assert chunk.location == "Install \u203a Linux, chars 120\u2013980"
    assert Chunk(0, "x", (), 0, 1).location == "chars 0\u20131"


def test_text_without_boundaries_is_still_cut_and_covered() -> None:
    text = "a" * 2500
    pieces = chunk_markdown(text, size=1000, overlap=100, min_chunk=200)
    assert pieces[0].start == 0 and pieces[-1].end == 2500
    assert all(len(c.text) <= 1000 + 200 for c in pieces)
    for previous, current in pairwise(pieces):
        assert current.start <= previous.end


def test_crlf_and_empty_input() -> None:
    text = "# One\r\n\r\nfirst\r\n# Two\r\nsecond\r\n"
    pieces = chunk_markdown(text)
    assert [(c.heading_path, c.text) for c in pieces] == [
        (("One",), "# One\r\n\r\nfirst"),
        (("Two",), "# Two\r\nsecond"),
    ]
    assert chunk_markdown("") == [] and chunk_markdown("  \n\n ") == []


@pytest.mark.parametrize(
    ("size", "overlap", "min_chunk", "field"),
    [(100, 100, 10, "overlap"), (100, -1, 10, "overlap"), (0, 0, 0, "size"), (100, 10, 100, "min_chunk")],
)
def test_bad_settings_are_refused(size: int, overlap: int, min_chunk: int, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        chunk_markdown("text", size=size, overlap=overlap, min_chunk=min_chunk)
    assert caught.value.field == field
