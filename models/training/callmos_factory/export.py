"""Stage 4: export a trained student to ONNX, check parity, and write its model card with golden scores.

    python -m callmos_factory.export tiny

ONNX: input `frames` float32 [batch, 2, 161, W] (batch dynamic), outputs `mos` [batch] and
`dims` [batch, D]. Parity with PyTorch is checked on validation windows (<= 1e-4, else it fails).
The card's golden scores are whole-clip scores of models/fixtures/*.wav computed the way the SDK scores
clips (clip_scoring.py); the TypeScript tests reproduce them to 1e-3.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import soundfile as sf
import torch

from .clip_scoring import score_clip
from .dataset import DIM_SOURCES, TARGET_KEYS, cached_features
from .fixtures import FIXTURES_DIR
from .paths import MODELS_DIR, WORK_DIR
from .processing import TRAIN_VOCODERS
from .student import DIMS, Student, config_from_dict
from .train import warm_restarts

WINDOW_FRAMES = 400  # 4 s: short enough for a badge to react within seconds, long enough for 1-2 sentences
HOP_FRAMES = 100  # one score per second per stream
VERSION = "1.4.0"  # 1.1: serving-response augmentation (serving_response.py); 1.2: corpus grown with wb_celp;
# 1.3: small, 4 more epochs on 21000 clips; 1.4: the call-chain processing of issue 14 in the train split
# (processing.py), fine-tuned from the shipped student (train.py --init-from)
# the shipped versions: small 1.4.1 = 1.4.0's weights in fp32 (FP32_RULE); lite 1.0.0 = issue 14's browser student,
# lite 1.1.0 and small 1.5.0 = 1.0.0 / 1.4.1 fine-tuned on factory v5's corpus (suppressed noise, generic STFT
# artefacts: artifacts.py); lite 1.2.0 and small 1.6.0 = lite 1.1.0 / small 1.5.0
# fine-tuned on factory v6's (generic time-domain artefacts too: time_artifacts.py); tiny 1.5.0 = tiny 1.4.0
# fine-tuned the same way with its undegraded clips seen 3 times an epoch (train.py --clean-repeat 3; without
# them it read clean speech 0.12 low: models/REPORT.md "Factory v6"); base 1.0.0 = the first shipped base (factory v6)
VERSIONS = {"tiny": "1.5.0", "small": "1.6.0", "lite": "1.2.0", "base": "1.0.0"}
# the card's "use": which rung is for what (issue 14's ladder; the server's default: packages/server/src/monitor/model-choice.ts)
USES = {
    "tiny": "weak devices, many tracks per page",
    "lite": "browsers (recommended)",
    "small": "server and CLI on CPU (default)",
    "base": "server on a GPU (default there)",
}
INT8_MAX_R_LOSS = 0.005
INT8_MIN_BYTES = 1_000_000  # below this the download is small already; keep the exact float model


def load_student(name: str) -> tuple[Student, dict]:
    ck = torch.load(WORK_DIR / "runs" / name / "best.pt", weights_only=False)
    model = Student(config_from_dict(ck["config"]))
    model.load_state_dict(ck["model"])
    return model.eval(), ck


def export_onnx(model: Student, path: Path) -> None:
    dummy = torch.zeros(2, 2, 161, WINDOW_FRAMES)
    torch.onnx.export(model, (dummy,), str(path), input_names=["frames"], output_names=["mos", "dims"],
                      dynamic_axes={"frames": {0: "batch"}, "mos": {0: "batch"}, "dims": {0: "batch"}},
                      opset_version=17, dynamo=False)
    onnx.checker.check_model(onnx.load(str(path)))


def parity(model: Student, session: ort.InferenceSession, feats: np.ndarray) -> float:
    x = np.ascontiguousarray(feats[:16]).astype(np.float32)
    with torch.no_grad():
        tm, td = model(torch.from_numpy(x))
    om, od = session.run(["mos", "dims"], {"frames": x})
    return float(max(np.abs(om - tm.numpy()).max(), np.abs(od - td.numpy()).max()))


def _predict_onnx(path: Path, feats: np.ndarray, outputs: tuple[str, ...] = ("mos",)):
    """The graph's `outputs` over feats in batches of 32: one array, or a tuple when several are asked."""
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    runs = [s.run(list(outputs), {"frames": np.ascontiguousarray(feats[i: i + 32]).astype(np.float32)})
            for i in range(0, len(feats), 32)]
    got = tuple(np.concatenate([r[k] for r in runs]) for k in range(len(outputs)))
    return got[0] if len(outputs) == 1 else got


def quantize_if_free(onnx_path: Path, feats: np.ndarray, target: np.ndarray) -> dict:
    """Dynamic int8 (weights int8, activations quantised per run) replaces the float model only when it costs
    <= INT8_MAX_R_LOSS in validation Pearson r: ~3x smaller downloads for browsers, same contract."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    q_path = onnx_path.with_name("model.int8.onnx")
    quantize_dynamic(str(onnx_path), str(q_path), weight_type=QuantType.QInt8)
    p32, p8 = _predict_onnx(onnx_path, feats), _predict_onnx(q_path, feats)
    r32, r8 = float(np.corrcoef(p32, target)[0, 1]), float(np.corrcoef(p8, target)[0, 1])
    info = {"fp32Bytes": onnx_path.stat().st_size, "int8Bytes": q_path.stat().st_size,
            "valPearsonFp32": round(r32, 4), "valPearsonInt8": round(r8, 4),
            "maxAbsMosDiff": round(float(np.abs(p32 - p8).max()), 4), "rule": f"int8 if r loss <= {INT8_MAX_R_LOSS}"}
    if r32 - r8 <= INT8_MAX_R_LOSS:
        q_path.replace(onnx_path)
        info["shipped"] = "int8-dynamic"
    else:
        q_path.unlink()
        info["shipped"] = "fp32"
    return info


FP16_MAX_MOS_DIFF = 0.01  # the streaming contract's tolerance: fp16 storage must be invisible next to it
FP16_RULE = (f"weights of >= 1024 elements stored as float16 and cast to float32 when the session opens (every "
             f"operator computes in float32; weight_storage.py), kept if no validation window's mos or dims move by "
             f"more than {FP16_MAX_MOS_DIFF}: half the bytes of a multi-megabyte student")


def fp16_weights_if_free(onnx_path: Path, feats: np.ndarray, target: np.ndarray) -> dict:
    """Weights stored as float16, arithmetic in float32 (weight_storage.py), when no validation window's mos or
    dims move by more than FP16_MAX_MOS_DIFF; else (or if anything fails) the float32 file stays."""
    import shutil

    from .weight_storage import store_weights_fp16

    f32_path = onnx_path.with_name("model.fp32.onnx")
    shutil.copyfile(onnx_path, f32_path)
    try:
        stored = store_weights_fp16(onnx_path)
        (m32, d32), (m16, d16) = (_predict_onnx(p, feats, ("mos", "dims")) for p in (f32_path, onnx_path))
    except BaseException:
        f32_path.replace(onnx_path)
        raise
    mos_diff, dims_diff = float(np.abs(m32 - m16).max()), float(np.abs(d32 - d16).max())
    info = {"fp32Bytes": stored["fp32Bytes"], "fp16WeightsBytes": stored["bytes"], "fp16Tensors": stored["fp16Tensors"],
            "valPearsonFp32": round(float(np.corrcoef(m32, target)[0, 1]), 4),
            "valPearsonFp16Weights": round(float(np.corrcoef(m16, target)[0, 1]), 4),
            "maxAbsMosDiff": float(f"{mos_diff:.2g}"), "maxAbsDimsDiff": float(f"{dims_diff:.2g}"), "rule": FP16_RULE}
    if max(mos_diff, dims_diff) <= FP16_MAX_MOS_DIFF:
        f32_path.unlink()
        info["shipped"] = "fp16-weights"
    else:
        f32_path.replace(onnx_path)
        info["shipped"] = "fp32"
    return info


FP32_RULE = ("fp32 by choice (--fp32): int8-dynamic ran ~6x slower per window on CPU in onnxruntime 1.30 (its "
             "ConvInteger kernels: small 1.4 55 vs 8.6 ms, 1 thread), its numbers depend on the CPU's integer "
             "kernels, and its activation scales differ between a hop run and a window run, so it cannot stream exactly")


def write_model(model: Student, ck: dict, name: str, training: dict, fp32: bool = False,
                description: str | None = None, extra: dict | None = None, version: str = VERSION,
                fp16_weights: bool = False) -> Path:
    """Export `model` to models/<name>/model.onnx (parity-checked, int8 when free) with its card and goldens.

    `training` is the card's training block (architecture and the parity error are added here); `extra`
    adds top-level card fields (a pruned model's "method" and "parent")."""
    out_dir = MODELS_DIR / name
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "model.onnx"
    export_onnx(model, onnx_path)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    val, fval = cached_features("val")
    err = parity(model, session, fval)
    print(f"ONNX vs PyTorch max abs diff {err:.2e}")
    if err > 1e-4:
        raise SystemExit(f"parity check failed: {err:.2e} > 1e-4")
    if fp16_weights:
        quant = fp16_weights_if_free(onnx_path, fval, val.target)
    elif fp32 or onnx_path.stat().st_size < INT8_MIN_BYTES:
        quant = {"shipped": "fp32", "fp32Bytes": onnx_path.stat().st_size,
                 "rule": FP32_RULE if fp32 else f"float model under {INT8_MIN_BYTES} bytes: not quantised"}
    else:
        quant = quantize_if_free(onnx_path, fval, val.target)
    print(f"quantisation: {quant}")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])

    card_path = out_dir / "card.json"
    old = json.loads(card_path.read_text()) if card_path.exists() else {}
    card = {
        "cardVersion": 1,
        "name": name,
        "version": version,
        "params": int(ck["params"]),
        "description": description or f"callmos {name} student: conv-transformer on compressed-STFT frames, "
                                      "distilled from a teacher ensemble on synthetic degraded speech",
        **({"use": USES[name]} if name in USES else {}),
        **(extra or {}),
        "sampleRate": 16000,
        "input": {"name": "frames", "kind": "compressed-stft", "channels": 2, "bins": 161,
                  "windowFrames": WINDOW_FRAMES, "hopFrames": HOP_FRAMES, "peakNormalize": False},
        "outputs": {"mos": {"name": "mos", "range": [1, 5]},
                    "dims": {"name": "dims", "names": list(DIMS),
                             "meaning": {d: f"student of teacher score {DIM_SOURCES[d]} (1 bad .. 5 good)" for d in DIMS}}},
        "shortClip": "repeat",
        "calibration": {"target": "mean(" + ", ".join(TARGET_KEYS) + ")", "scale": "1..5, no post-calibration"},
        "training": {"architecture": ck["config"], **training, "onnxParityMaxAbs": float(f"{err:.2e}")},
        "quantization": quant,
        "accuracy": old.get("accuracy", {}),
        "golden": [],
    }
    for wav in sorted(FIXTURES_DIR.glob("*.wav")):
        x, sr = sf.read(str(wav), dtype="float32")
        assert sr == 16000
        g = score_clip(session, card, x)
        card["golden"].append({"file": f"fixtures/{wav.name}", "mos": None if g["mos"] is None else round(g["mos"], 5),
                               "dims": {k: round(v, 5) for k, v in g["dims"].items()}, "windows": g["windows"]})
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB) and {card_path}")
    for g in card["golden"]:
        print(f"  golden {g['file']}: mos {g['mos']} windows {g['windows']}")
    return onnx_path


def restart_text(history: dict) -> str:
    """How a run that went on from a finished one (train.py --warm-restart, maybe more than once) was scheduled."""
    restarts = warm_restarts(history)
    init = history.get("init_from")
    parts = [f"fine-tuned from the shipped {init['name']} {init['version']} ({init['trainClips']})"] if init else \
        [f"epochs 1-{restarts[0]['epoch']} on the corpus of the time"]
    for i, r in enumerate(restarts):
        end = restarts[i + 1]["epoch"] if i + 1 < len(restarts) else history["epoch"]
        grown = [h.get("train_clips") for h in history["history"] if r["epoch"] < h["epoch"] <= end]
        # a run that repeats the undegraded clips (train.py --clean-repeat) counts its distinct clips
        distinct = history.get("distinct_train_clips") if history.get("clean_repeat", 1) > 1 else None
        on = f" on {distinct or grown[-1]} clips" if grown and grown[-1] else ""
        how = "" if init and r["epoch"] == 0 else " after a warm restart"
        parts.append(f"epochs {r['epoch'] + 1}-{end}{on}{how} (cosine from {r['scale']} x the peak learning rate to 0)")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name")
    ap.add_argument("--fp32", action="store_true", help="never quantise")
    ap.add_argument("--fp16-weights", action="store_true",
                    help="store the weights as float16, compute in float32 (weight_storage.py; base: half of ~15 MB)")
    ap.add_argument("--version", default=None, help="the card's version (default: VERSIONS, else VERSION; a re-export of the same weights bumps the patch)")
    a = ap.parse_args(argv)
    model, ck = load_student(a.name)
    history = json.loads((WORK_DIR / "runs" / a.name / "history.json").read_text())
    clips = history.get("distinct_train_clips", history["train_clips"])
    repeat = (f" (the {history['clean_clips']} undegraded ones seen {history['clean_repeat']} times an epoch: "
              f"{history['train_clips']} clips per epoch)") if history.get("clean_repeat", 1) > 1 else ""
    training = {
        "data": f"{clips} train / {history['val_clips']} val clips of 4 s{repeat}, synthetic "
                "degradations of LibriSpeech + TTS speech (models/training/callmos_factory/synth.py)",
        **({"schedule": restart_text(history)} if history.get("restart") else {}),
        **({"initFrom": f"{history['init_from']['name']}@{history['init_from']['version']}"} if history.get("init_from") else {}),
        # a new student started from a trained one's conv front end (train.py --init-front-from)
        **({"frontEndFrom": f"{history['front_from']['config']['name']} checkpoint (val r {history['front_from']['val_r']:.4f}), "
                            f"learning at {history.get('front_lr', 'a lower')} x the rate"} if history.get("front_from") else {}),
        # family-held-out variants this corpus draws (families.SEEN_IN_TRAINING; evaluate_families leaves them out)
        "seenFamilies": [f"vocoder:{v}" for v in sorted(TRAIN_VOCODERS)],
        "augmentation": "serving response (the core resampler's 7-8 kHz band edge) on half the clips",
        "epochs": history["epoch"], "bestEpoch": ck["epoch"], "seconds": round(history["train_seconds"]),
        "valPearson": round(float(ck["val_r"]), 4),
        # threads torch trained with (epochs logged before this was recorded ran on 1)
        "cpuThreads": sorted({h.get("threads", 1) for h in history["history"]}),
    }
    write_model(model, ck, a.name, training, fp32=a.fp32, version=a.version or VERSIONS.get(a.name, VERSION),
                fp16_weights=a.fp16_weights)


if __name__ == "__main__":
    main()
