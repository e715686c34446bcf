"""Call-chain processing the training corpus sees (issue 14), made by the tools real chains use. Each returns
(audio, params) like degradations.py, and is drawn for the train split only (degradations.TRAIN_ONLY): the test
and val splits keep their recipe, so their r stays comparable across model versions; generalisation is measured
on the family-held-out split (families.py), whose families none of these is:

- ffmpeg's denoisers (`afftdn`, `anlmdn`) over noisy speech: denoiser artefacts of another make than the
  factory's spectral gate (WebRTC's suppressor stays held out);
- automatic gain control and compression (`dynaudnorm`, `acompressor`): pumping, breathing noise floors;
- device coloration: small-speaker and handset responses (`highpass`/`lowpass`/`equalizer`) with soft
  distortion (`asoftclip`);
- an Opus call: NB/MB/WB at 6-16 kbps with in-band FEC and DTX, bursty loss concealed by libopus's PLC;
- a mid-clip bandwidth switch (a stretch of narrowband audio inside wideband, as when a sender's encoder
  or network drops and recovers);
- tandem: a codec, then a denoiser, then Opus (a PSTN call bridged into WebRTC);
- source-filter vocoding (vocoders.py: LPC with quantised LSFs, SPTK mel-cepstrum + MLSA), the parametric
  codec and TTS artefacts the corpus lacked (since 1.4; Griffin-Lim's phase reconstruction stays held out).
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfiltfilt

from . import codecs, vocoders
from .levels import match_level

SR = 16000
# opusenc's encoder controls (opus_defines.h): values passed with --set-ctl-int
OPUS_SET_MAX_BANDWIDTH, OPUS_SET_INBAND_FEC, OPUS_SET_DTX = 4004, 4012, 4016
OPUS_BANDWIDTH = {"nb": 1101, "mb": 1102, "wb": 1103}


def _run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {r.stderr.decode(errors='replace')[-400:]}")


def ffmpeg_filter(x: np.ndarray, graph: str) -> np.ndarray:
    """Run an ffmpeg audio filter graph over x at 16 kHz; same length out."""
    with tempfile.TemporaryDirectory() as td:
        src, dst = Path(td) / "in.wav", Path(td) / "out.wav"
        sf.write(str(src), x.astype(np.float32), SR, subtype="FLOAT")
        _run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-af", graph, "-ar", str(SR), "-ac", "1",
              "-c:a", "pcm_f32le", str(dst)])
        y, _ = sf.read(str(dst), dtype="float64")
    y = y[: len(x)]
    return np.pad(y, (0, len(x) - len(y)))


def _keep_level(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Back to the input's active level within +-6 dB: these are colorations, not level changes (level.py's)."""
    return match_level(x, y) * 10 ** (rng.uniform(-6, 6) / 20)


def afftdn(x: np.ndarray, nr_db: float, nf_db: float, track: bool) -> np.ndarray:
    """ffmpeg's FFT denoiser (from its set floor, or tracking the noise); its 25 ms of latency taken out again
    (factory v5: before, its clips came out shifted by 400 samples, the first 25 ms zeros)."""
    graph = f"afftdn=nr={nr_db:.1f}:nf={nf_db:.1f}:tn={int(track)}"
    return codecs._align(x, ffmpeg_filter(x, graph))


def ffmpeg_denoise(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    if rng.random() < 0.6:
        nr = float(rng.uniform(8, 40))  # dB of reduction: mild to the "robot" settings people ship
        nf = float(rng.uniform(-60, -25))
        track = int(rng.random() < 0.5)
        return afftdn(x, nr, nf, bool(track)), \
            {"tool": "afftdn", "nr_db": round(nr, 1), "nf_db": round(nf, 1), "track_noise": track}
    strength = float(10 ** rng.uniform(-4, -1.3))
    return ffmpeg_filter(x, f"anlmdn=s={strength:.5f}"), {"tool": "anlmdn", "strength": round(strength, 5)}


def dynamics(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    if rng.random() < 0.5:
        frame_ms = int(rng.choice([50, 100, 200, 500]))
        gauss = int(rng.choice([3, 5, 9, 15, 31]))
        peak = float(rng.uniform(0.3, 0.95))
        y = _keep_level(x, ffmpeg_filter(x, f"dynaudnorm=f={frame_ms}:g={gauss}:p={peak:.2f}:m=30"), rng)
        return y, {"tool": "dynaudnorm", "frame_ms": frame_ms, "gauss": gauss, "peak": round(peak, 2)}
    thr_db = float(rng.uniform(-40, -15))
    ratio = float(rng.choice([2, 4, 8, 20]))
    attack, release = float(rng.uniform(0.5, 20)), float(rng.uniform(20, 400))
    makeup = float(rng.uniform(1, 8))
    y = _keep_level(x, ffmpeg_filter(x, f"acompressor=threshold={10 ** (thr_db / 20):.5f}:ratio={ratio}"
                                        f":attack={attack:.1f}:release={release:.0f}:makeup={makeup:.2f}"), rng)
    return y, {"tool": "acompressor", "threshold_db": round(thr_db, 1), "ratio": ratio,
               "attack_ms": round(attack, 1), "release_ms": round(release), "makeup": round(makeup, 2)}


def device(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    """A small loudspeaker-microphone path: a high-pass (no bass), a resonance, a roll-off, some drive."""
    kind = str(rng.choice(["laptop", "handset", "headset", "speakerphone"]))
    hp = float({"laptop": rng.uniform(250, 600), "handset": rng.uniform(200, 400),
                "headset": rng.uniform(80, 250), "speakerphone": rng.uniform(300, 700)}[kind])
    lp = float(rng.uniform(3400, 7500))
    peak_hz, peak_db = float(rng.uniform(800, 3500)), float(rng.uniform(3, 12))
    graph = (f"highpass=f={hp:.0f}:poles=2,highpass=f={hp:.0f}:poles=2,lowpass=f={lp:.0f}:poles=2,"
             f"equalizer=f={peak_hz:.0f}:t=q:w={rng.uniform(0.7, 3):.2f}:g={peak_db:.1f}")
    drive = float(rng.choice([0.0, 0.0, rng.uniform(2, 12)]))
    if drive > 0:  # the driver's distortion: soft clipping at a gain above the speech's peaks
        graph += f",volume={drive:.1f}dB,asoftclip=type=tanh,volume={-drive:.1f}dB"
    y = _keep_level(x, ffmpeg_filter(x, graph), rng)
    return y, {"device": kind, "highpass_hz": round(hp), "lowpass_hz": round(lp), "peak_hz": round(peak_hz),
               "peak_db": round(peak_db, 1), "drive_db": round(drive, 1)}


def opus_call(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    bw = str(rng.choice(["nb", "mb", "wb"]))
    kbps = int(rng.choice([6, 8, 10, 12, 16]))
    fec, dtx = int(rng.random() < 0.6), int(rng.random() < 0.4)
    loss = float(rng.choice([0, 3, 8, 15, 25]))
    with tempfile.TemporaryDirectory() as td:
        src, coded, dst = Path(td) / "in.wav", Path(td) / "c.opus", Path(td) / "out.wav"
        sf.write(str(src), (np.clip(x, -1, 1) * 32767).astype(np.int16), SR, subtype="PCM_16")
        _run(["opusenc", "--quiet", "--bitrate", str(kbps), "--framesize", "20", "--expect-loss", str(int(loss)),
              "--set-ctl-int", f"{OPUS_SET_MAX_BANDWIDTH}={OPUS_BANDWIDTH[bw]}",
              "--set-ctl-int", f"{OPUS_SET_INBAND_FEC}={fec}", "--set-ctl-int", f"{OPUS_SET_DTX}={dtx}",
              str(src), str(coded)])
        dec = ["opusdec", "--quiet", "--rate", str(SR), "--float"] + (["--packet-loss", f"{loss:.1f}"] if loss else [])
        _run(dec + [str(coded), str(dst)])
        y, _ = sf.read(str(dst), dtype="float64")
    y = codecs._align(x, y.mean(axis=1) if y.ndim > 1 else y)
    return y, {"bandwidth": bw, "kbps": kbps, "fec": fec, "dtx": dtx, "loss_pct": loss}


def bandwidth_switch(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    cutoff = float(rng.choice([3400, 4000, 6000]))
    start = int(rng.uniform(0.1, 0.6) * len(x))
    length = int(rng.uniform(0.2, 0.6) * len(x))
    end = min(len(x), start + length)
    low = sosfiltfilt(butter(8, cutoff, "low", fs=SR, output="sos"), x)
    ramp = np.zeros(len(x))
    ramp[start:end] = 1.0
    fade = int(0.02 * SR)  # a 20 ms cross-fade, as a decoder switching modes does
    ramp = np.convolve(ramp, np.ones(fade) / fade, mode="same")
    return (1 - ramp) * x + ramp * low, {"cutoff_hz": cutoff, "start_s": round(start / SR, 2),
                                         "length_s": round((end - start) / SR, 2)}


def tandem(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    first = str(rng.choice(["g711", "gsm", "amr_like", "g722"]))
    name = "wb_celp" if first == "amr_like" else first
    y, p1 = codecs.apply_codec(x, name, rng)
    y, p2 = ffmpeg_denoise(y, rng, split)
    y, p3 = opus_call(y, rng, split)
    return y, {"first": {"codec": name, **p1}, "denoise": p2, "opus": p3}


# the vocoders training draws; families.SEEN_IN_TRAINING names the same ones (tests/test_families.py)
TRAIN_VOCODERS = {"lpc": vocoders.lpc_vocoder, "mlsa": vocoders.mlsa}


def vocoder(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    name = str(rng.choice(sorted(TRAIN_VOCODERS)))
    y, p = TRAIN_VOCODERS[name](x, rng)
    return _keep_level(x, y, rng), p
