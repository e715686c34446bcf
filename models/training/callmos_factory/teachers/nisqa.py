"""NISQA (overall MOS + noisiness, discontinuity, coloration, loudness) and NISQA-TTS (naturalness).

Our own PyTorch re-implementation from the facts in teachers/nisqa/README.md; only the published weights
are loaded (strictly, so any layout mismatch fails loudly). The front-end parameters are read from each
checkpoint's `args` rather than restated here, so the two variants differ only where their args do
(fmax 20 kHz vs 8 kHz, segment hop 4 vs 1, "adapt" CNN + self-attention vs "standard" CNN + BiLSTM).

Scores depend on level (the dB conversion has a fixed reference), so audio is never normalised, and the
models were run at 48 kHz: other rates are resampled with soxr VHQ (a librosa dependency), whose
stop band keeps upsampling images far below the 80 dB dynamic range the front end keeps.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from .common import check_audio, teacher_file

SAMPLE_RATE = 48000
DIM_OUTPUTS = ("mos", "noi", "dis", "col", "loud")  # order of pool_layers 0..4


# ---------------------------------------------------------------- front end

def resample_to_48k(x: np.ndarray, sr: int) -> np.ndarray:
    if sr == SAMPLE_RATE:
        return x
    import soxr

    return soxr.resample(x, sr, SAMPLE_RATE, quality="VHQ")


class FrontEnd:
    """Mel spectrogram in dB and its segmentation, configured from a checkpoint's args."""

    def __init__(self, args: dict):
        if args["ms_sr"] is not None:
            raise ValueError(f"unexpected ms_sr {args['ms_sr']}: the reference outputs were made at 48 kHz")
        self.n_fft = int(args["ms_n_fft"])
        self.hop = int(SAMPLE_RATE * args["ms_hop_length"])
        self.win = int(SAMPLE_RATE * args["ms_win_length"])
        self.n_mels = int(args["ms_n_mels"])
        self.fmax = float(args["ms_fmax"])
        self.seg_len = int(args["ms_seg_length"])
        self.seg_hop = int(args["ms_seg_hop_length"])
        self.max_segments = int(args["ms_max_segments"])

    @property
    def min_samples(self) -> int:
        """Shortest clip giving one segment: 1 + len // hop frames must reach seg_len."""
        return (self.seg_len - 1) * self.hop

    def mel_db(self, x48k: np.ndarray) -> np.ndarray:
        """[n_mels, frames] float32: |mel| in dB re 1, floor 1e-4, top 80 dB below the clip's maximum."""
        import librosa

        mel = librosa.feature.melspectrogram(
            y=x48k.astype(np.float32), sr=SAMPLE_RATE, n_fft=self.n_fft, hop_length=self.hop,
            win_length=self.win, window="hann", center=True, pad_mode="reflect", power=1.0,
            n_mels=self.n_mels, fmin=0.0, fmax=self.fmax, htk=False, norm="slaney")
        return librosa.amplitude_to_db(mel, ref=1.0, amin=1e-4, top_db=80.0).astype(np.float32)

    def segments(self, x48k: np.ndarray) -> torch.Tensor:
        """[n_seg, 1, n_mels, seg_len]; segments start at frame 0 every seg_hop frames, no tail segment."""
        if x48k.size < self.min_samples:
            raise ValueError(f"NISQA: clip too short ({x48k.size / SAMPLE_RATE:.3f} s at 48 kHz): needs at "
                             f"least {self.min_samples / SAMPLE_RATE:.2f} s for one {self.seg_len}-frame segment")
        spec = torch.from_numpy(self.mel_db(x48k))
        seg = spec.unfold(1, self.seg_len, self.seg_hop)  # [n_mels, n_seg, seg_len]
        if seg.shape[1] > self.max_segments:
            raise ValueError(f"NISQA: clip too long ({x48k.size / SAMPLE_RATE:.1f} s): {seg.shape[1]} segments, "
                             f"the model was built for at most {self.max_segments}")
        return seg.permute(1, 0, 2).unsqueeze(1).contiguous()


# ---------------------------------------------------------------- network

def _nested(module: nn.Module) -> nn.Module:
    """The published checkpoints keep every block one level deeper, under `.model`."""
    holder = nn.Module()
    holder.model = module
    return holder


class _ConvStack(nn.Module):
    """Six conv3x3 -> BatchNorm -> ReLU blocks with pooling after conv1, conv2 and conv4."""

    def __init__(self, args: dict, conv6_padding):
        super().__init__()
        c1, c2, c3 = args["cnn_c_out_1"], args["cnn_c_out_2"], args["cnn_c_out_3"]
        chans = [1, c1, c2, c3, c3, c3, c3]
        for i in range(1, 7):
            pad = conv6_padding if i == 6 else (1, 1)
            setattr(self, f"conv{i}", nn.Conv2d(chans[i - 1], chans[i], args["cnn_kernel_size"], padding=pad))
            setattr(self, f"bn{i}", nn.BatchNorm2d(chans[i]))

    def block(self, i: int, x: torch.Tensor) -> torch.Tensor:
        return F.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(x)))

    def pool(self, i: int, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, 7):
            x = self.block(i, x)
            if i in (1, 2, 4):
                x = self.pool(i, x)
        return x.flatten(1)


class AdaptCNN(_ConvStack):
    """nisqa.tar: adaptive max pooling to args cnn_pool_1..3; conv6 pads (1, 0) so width 3 -> 1 (384 out)."""

    def __init__(self, args: dict):
        super().__init__(args, conv6_padding=(1, 0))
        self.pool_sizes = {1: tuple(args["cnn_pool_1"]), 2: tuple(args["cnn_pool_2"]), 4: tuple(args["cnn_pool_3"])}

    def pool(self, i, x):
        return F.adaptive_max_pool2d(x, self.pool_sizes[i])


class StandardCNN(_ConvStack):
    """nisqa_tts.tar: MaxPool2d(2), the first padded (0, 1) in time (15 -> 8); 768 -> fc_out (20), linear."""

    def __init__(self, args: dict):
        super().__init__(args, conv6_padding=(1, 1))
        self.fc_out = nn.LazyLinear(args["cnn_fc_out_h"])  # in-features fixed by the loaded weights (768)

    def pool(self, i, x):
        return F.max_pool2d(x, 2, padding=(0, 1) if i == 1 else 0)

    def forward(self, x):
        return self.fc_out(super().forward(x))


class SelfAttention(nn.Module):
    """linear -> LayerNorm, then post-norm ReLU encoder layers (PyTorch's layout); no positional encoding."""

    def __init__(self, args: dict, in_features: int):
        super().__init__()
        d = args["td_sa_d_model"]
        self.linear = nn.Linear(in_features, d)
        self.norm1 = nn.LayerNorm(d)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d, args["td_sa_nhead"], dim_feedforward=args["td_sa_h"], dropout=0.0,
                                       activation="relu", batch_first=True, norm_first=False)
            for _ in range(args["td_sa_num_layers"]))

    def forward(self, x):
        x = self.norm1(self.linear(x))
        for layer in self.layers:
            x = layer(x)
        return x


class AttentionPool(nn.Module):
    """softmax over segments of linear2(relu(linear1(x))), weighted sum of x, then linear3; no squashing."""

    def __init__(self, d: int, hidden: int):
        super().__init__()
        self.linear1 = nn.Linear(d, hidden)
        self.linear2 = nn.Linear(hidden, 1)
        self.linear3 = nn.Linear(d, 1)

    def forward(self, x):  # [batch, seg, d] -> [batch]
        a = torch.softmax(self.linear2(F.relu(self.linear1(x))), dim=1)
        return self.linear3((a * x).sum(dim=1)).squeeze(-1)


class LastStepBiLSTM(nn.Module):
    """BiLSTM whose final hidden states (forward at the last segment, backward at the first) -> linear."""

    def __init__(self, args: dict, in_features: int):
        super().__init__()
        self.lstm = nn.LSTM(in_features, args["td_lstm_h"], num_layers=args["td_lstm_num_layers"],
                            batch_first=True, bidirectional=True)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return torch.cat([h_n[-2], h_n[-1]], dim=1)  # last layer: forward, backward


class NisqaDimNet(nn.Module):
    """nisqa.tar network: per-segment AdaptCNN, self-attention over segments, one pool head per output."""

    def __init__(self, args: dict):
        super().__init__()
        self.cnn = _nested(AdaptCNN(args))
        cnn_out = args["cnn_c_out_3"] * args["cnn_pool_3"][0]
        self.time_dependency = _nested(SelfAttention(args, cnn_out))
        self.pool_layers = nn.ModuleList(_nested(AttentionPool(args["td_sa_d_model"], args["pool_att_h"]))
                                         for _ in DIM_OUTPUTS)

    def forward(self, segments):  # [n_seg, 1, mels, frames] -> [len(DIM_OUTPUTS)]
        x = self.time_dependency.model(self.cnn.model(segments)[None])
        return torch.cat([p.model(x) for p in self.pool_layers])


class NisqaTtsNet(nn.Module):
    """nisqa_tts.tar network: per-segment StandardCNN, BiLSTM, last-step pooling -> naturalness."""

    def __init__(self, args: dict):
        super().__init__()
        self.cnn = _nested(StandardCNN(args))
        self.time_dependency = _nested(LastStepBiLSTM(args, args["cnn_fc_out_h"]))
        self.pool = _nested(nn.Module())
        self.pool.model.linear = nn.Linear(2 * args["td_lstm_h"], args["pool_output_size"])

    def forward(self, segments):  # -> [1]
        return self.pool.model.linear(self.time_dependency.model(self.cnn.model(segments)[None]))[0]


# ---------------------------------------------------------------- teachers

class _NisqaTeacher:
    """Loads a checkpoint strictly into its network and scores audio at any rate (resampled to 48 kHz)."""

    file: str
    outputs: tuple[str, ...]
    net_class: type

    def __init__(self, root: str | Path | None = None, threads: int | None = None):
        if threads is not None:
            torch.set_num_threads(threads)  # process-wide in torch: only touched when asked
        ckpt = torch.load(teacher_file("nisqa", self.file, root), map_location="cpu", weights_only=False)
        self.args = ckpt["args"]
        self.front_end = FrontEnd(self.args)
        self.net = self.net_class(self.args)
        with torch.no_grad():  # materialise lazy layers before the strict load
            self.net(torch.zeros(1, 1, self.front_end.n_mels, self.front_end.seg_len))
        self.net.load_state_dict(ckpt["model_state_dict"], strict=True)
        self.net.eval()

    def score(self, audio: np.ndarray, sr: int) -> dict[str, float]:
        """Scores of mono float audio in [-1, 1] at rate sr; never level-normalised."""
        x = resample_to_48k(check_audio(audio, f"NISQA ({self.file})"), int(sr))
        with torch.inference_mode():
            out = self.net(self.front_end.segments(x))
        return {k: float(v) for k, v in zip(self.outputs, out)}


class NISQA(_NisqaTeacher):
    """NISQAv2 (nisqa.tar): dict(mos, noi, dis, col, loud)."""

    file = "nisqa.tar"
    outputs = DIM_OUTPUTS
    net_class = NisqaDimNet


class NISQATTS(_NisqaTeacher):
    """NISQA-TTS v1 (nisqa_tts.tar): dict(naturalness) of synthetic speech."""

    file = "nisqa_tts.tar"
    outputs = ("naturalness",)
    net_class = NisqaTtsNet
