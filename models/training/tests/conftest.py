"""Make `callmos_factory` importable however pytest is started (python -m pytest or plain pytest)."""
import sys
from pathlib import Path

TRAINING_DIR = str(Path(__file__).resolve().parent.parent)
if TRAINING_DIR not in sys.path:
    sys.path.insert(0, TRAINING_DIR)

import pytest


@pytest.fixture(autouse=True)
def _torch_global_state():
    """Restore torch's process-wide settings after each test: the bench commands set grad mode off and one
    thread for their own process, and tests call them in-process (with grad off, later ONNX exports trace
    the fused transformer kernel and pruning gets no gradients)."""
    import torch

    grad, threads = torch.is_grad_enabled(), torch.get_num_threads()
    yield
    torch.set_grad_enabled(grad)
    torch.set_num_threads(threads)
