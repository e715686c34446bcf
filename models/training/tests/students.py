"""Shared test students: a random student with BatchNorm statistics like a trained one's."""
from __future__ import annotations

import torch

from callmos_factory.student import LADDER, Student


def trained_like_student(name: str, seed: int, bias: float = 0.2) -> Student:
    """LADDER[name] with random weights and non-trivial BatchNorm statistics (nothing cancels by accident, and
    folding them into the convolutions on export changes the weights), in eval mode."""
    torch.manual_seed(seed)
    model = Student(LADDER[name])
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5); m.running_var.uniform_(0.5, 2.0); m.bias.uniform_(-bias, bias)
    return model.eval()
