"""Image-method shoebox room impulse responses (Allen & Berkley 1979), small and vectorised."""
from __future__ import annotations

import numpy as np

C = 343.0


def image_method_rir(room: np.ndarray, src: np.ndarray, mic: np.ndarray, rt60: float,
                     sr: int = 16000, max_len_s: float = 1.0) -> np.ndarray:
    """RIR of a shoebox room with uniform wall absorption set from a Sabine RT60."""
    room, src, mic = (np.asarray(v, dtype=np.float64) for v in (room, src, mic))
    volume = float(np.prod(room))
    surface = 2.0 * (room[0] * room[1] + room[0] * room[2] + room[1] * room[2])
    alpha = min(0.99, 0.161 * volume / (surface * rt60))  # Sabine
    beta = np.sqrt(1.0 - alpha)  # pressure reflection coefficient
    n_len = int(max_len_s * sr)
    order = int(np.ceil(C * max_len_s / room.min())) + 1
    order = min(order, 12)
    r = np.arange(-order, order + 1)
    h = np.zeros(n_len)
    # image positions per axis: for index n and parity q in {0,1}: x = 2 n L + (1 - 2q) s
    coords, refl = [], []
    for ax in range(3):
        n, q = np.meshgrid(r, [0, 1], indexing="ij")
        pos = 2 * n * room[ax] + (1 - 2 * q) * src[ax] - mic[ax]
        nref = np.abs(n - q) + np.abs(n)
        coords.append(pos.ravel())
        refl.append(nref.ravel())
    dx, dy, dz = np.meshgrid(*coords, indexing="ij")
    rx, ry, rz = np.meshgrid(*refl, indexing="ij")
    dist = np.sqrt(dx ** 2 + dy ** 2 + dz ** 2).ravel()
    gain = (beta ** (rx + ry + rz).ravel()) / np.maximum(dist, 0.1)
    delay = np.round(dist / C * sr).astype(int)
    keep = delay < n_len
    np.add.at(h, delay[keep], gain[keep])
    return h / (np.abs(h).max() + 1e-12)


def random_room_rir(rng: np.random.Generator, sr: int = 16000) -> tuple[np.ndarray, dict]:
    room = rng.uniform([3, 3, 2.4], [10, 8, 3.5])
    src = rng.uniform(0.5, 1, 3) * (room - 1.0) + 0.5
    mic = rng.uniform(0.5, 1, 3) * (room - 1.0) + 0.5
    rt60 = float(rng.uniform(0.2, 1.0))
    h = image_method_rir(room, src, mic, rt60, sr, max_len_s=min(1.0, rt60 * 1.2))
    return h, {"room": [round(float(v), 2) for v in room], "rt60": round(rt60, 2)}
