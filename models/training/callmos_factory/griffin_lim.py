"""Griffin-Lim resynthesis from a low-resolution mel spectrogram (librosa): the phase is lost and
re-estimated, the spectral envelope blurred to 20-80 mel bands (what mel-input neural vocoders start from).
Held out of training (families.py): the family-held-out split's unseen vocoder; training has the
source-filter vocoders of vocoders.py.
"""
from __future__ import annotations

import numpy as np

SR = 16000


def griffin_lim(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    import librosa

    n_mels = int(rng.choice([20, 32, 40, 64, 80]))
    n_fft = int(rng.choice([512, 1024]))
    hop = n_fft // 4
    n_iter = int(rng.choice([4, 8, 16, 32]))
    m = librosa.feature.melspectrogram(y=x.astype(np.float32), sr=SR, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
    mag = librosa.feature.inverse.mel_to_stft(m, sr=SR, n_fft=n_fft)
    y = librosa.griffinlim(mag, n_iter=n_iter, hop_length=hop, n_fft=n_fft, length=len(x),
                           random_state=int(rng.integers(0, 2**31 - 1)))
    return y.astype(np.float64), {"vocoder": "griffin-lim", "n_mels": n_mels, "n_fft": n_fft, "n_iter": n_iter}
