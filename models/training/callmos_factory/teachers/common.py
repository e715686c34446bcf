"""Plumbing shared by the teacher wrappers: where the teacher files live, input checks, ORT sessions.

The teacher weights are licensed data that must never enter the repo, so they are located at run time:
$CALLMOS_TEACHERS_DIR, else $CALLMOS_SHARED_DIR/teachers, else <repo>/../shared/teachers.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ENV_VAR = "CALLMOS_TEACHERS_DIR"
_REPO_DIR = Path(__file__).resolve().parents[4]


def teachers_dir() -> Path:
    """The folder holding dnsmos/, nisqa/ and plcmos/ (may not exist: callers check)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    if os.environ.get("CALLMOS_SHARED_DIR"):
        return Path(os.environ["CALLMOS_SHARED_DIR"]) / "teachers"
    return _REPO_DIR.parent / "shared" / "teachers"


def teacher_file(teacher: str, name: str, root: str | Path | None = None) -> Path:
    """Path of one teacher file, or FileNotFoundError saying how to point at the teachers."""
    path = Path(root or teachers_dir()) / teacher / name
    if not path.is_file():
        raise FileNotFoundError(f"teacher file {path} not found: the teachers live in ../shared/teachers beside "
                                f"the repo; set {ENV_VAR} to the folder holding dnsmos/, nisqa/ and plcmos/")
    return path


def check_audio(audio, what: str = "audio") -> np.ndarray:
    """Validate mono float audio and return it as float64.

    Teachers silently turn NaN into NaN scores and int16 samples into absurd levels (their front ends
    have fixed dB references), so both are refused here with a message instead of a bad label.
    """
    x = np.asarray(audio)
    if x.ndim != 1:
        raise ValueError(f"{what}: expected 1-D mono audio, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{what}: empty audio (0 samples)")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{what}: expected float samples in [-1, 1] (int16 / 32768), got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what}: audio contains NaN or infinite samples")
    return x.astype(np.float64, copy=False)


def ort_session(path: Path, threads: int = 1):
    """A CPU onnxruntime session with a fixed thread count (labelling runs one process per core)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
