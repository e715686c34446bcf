"""Make `callmos_factory` importable however pytest is started (python -m pytest or plain pytest)."""
import sys
from pathlib import Path

TRAINING_DIR = str(Path(__file__).resolve().parent.parent)
if TRAINING_DIR not in sys.path:
    sys.path.insert(0, TRAINING_DIR)
