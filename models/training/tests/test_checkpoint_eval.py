"""checkpoint_eval's REPORT section: one row per checkpoint, a column per held-out family, the command named."""
from callmos_factory.checkpoint_eval import section_markdown


def _row(name: str, fam: float) -> dict:
    split = lambda r, n: {"r": r, "rmse": 0.3, "clips": n}  # noqa: E731
    return {"checkpoint": name, "steps": 0, "params": 3_637_031, "val": split(0.93, 200), "test": split(0.92, 400),
            "families": split(fam, 235), "families:vocoder": split(0.82, 35), "families:webrtc_ns": split(0.9, 100)}


def test_section_table_has_a_row_per_checkpoint_and_a_column_per_family():
    text = section_markdown([_row("a.pt", 0.8619), _row("b.pt", 0.8653)], "## intro", "python -m x a.pt b.pt")
    lines = text.splitlines()
    assert lines[0] == "## intro"
    assert "`python -m x a.pt b.pt`" in text
    header = next(line for line in lines if line.startswith("| checkpoint"))
    assert header.endswith("| vocoder r | webrtc_ns r |")
    rows = [line for line in lines if line.startswith("| a.pt") or line.startswith("| b.pt")]
    assert len(rows) == 2
    assert "| 3,637,031 |" in rows[0] and "**0.8619** (0.3)" in rows[0] and "0.82 (n = 35)" in rows[0]
    assert all(len(r.split("|")) == len(header.split("|")) for r in rows)
