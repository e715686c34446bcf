"""Where the factory reads shared inputs and writes its (git-ignored) work."""
from __future__ import annotations

import os
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = TRAINING_DIR.parent.parent
MODELS_DIR = REPO_DIR / "models"
SHARED_DIR = Path(os.environ.get("CALLMOS_SHARED_DIR", REPO_DIR.parent / "shared"))
CORPORA_DIR = SHARED_DIR / "corpora"
WORK_DIR = Path(os.environ.get("CALLMOS_WORK_DIR", TRAINING_DIR / "work"))


def require_shared() -> Path:
    if not CORPORA_DIR.is_dir():
        raise SystemExit(f"callmos factory: {CORPORA_DIR} not found. The corpora and teachers live in ../shared "
                         "beside the repo (set CALLMOS_SHARED_DIR to point elsewhere).")
    return SHARED_DIR
