"""Sections of models/REPORT.md that other stages own: kept between markers, so whichever stage rewrites
the report last (evaluate.py rewrites all of it) keeps the others' sections."""
from __future__ import annotations

from .paths import MODELS_DIR

SECTIONS_DIR = MODELS_DIR / "report"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- begin section {name} (models/report/{name}.md) -->", f"<!-- end section {name} -->"


def splice(text: str, name: str, body: str) -> str:
    begin, end = _markers(name)
    block = f"{begin}\n{body.rstrip()}\n{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + block + rest.split(end, 1)[1].lstrip("\n")
    return text.rstrip("\n") + "\n\n" + block


def with_sections(text: str) -> str:
    """The report text with every saved section (models/report/<name>.md) spliced in."""
    for path in sorted(SECTIONS_DIR.glob("*.md")):
        text = splice(text, path.stem, path.read_text())
    return text


def write_section(name: str, body: str) -> None:
    SECTIONS_DIR.mkdir(parents=True, exist_ok=True)
    (SECTIONS_DIR / f"{name}.md").write_text(body.rstrip() + "\n")
    report = MODELS_DIR / "REPORT.md"
    report.write_text(splice(report.read_text() if report.exists() else "", name, body))
