"""Teacher wrappers: DNSMOS P.835/P.808, PLCMOS v2, NISQA and NISQA-TTS, and the labelling ensemble.

The teacher files are licensed data kept outside the repo (see common.teachers_dir); every wrapper
takes mono float audio, refuses empty/NaN input with ValueError and returns dict[str, float].
"""
from .common import ENV_VAR, teachers_dir
from .dnsmos import DNSMOS
from .ensemble import TeacherEnsemble
from .nisqa import NISQA, NISQATTS
from .plcmos import PLCMOS

__all__ = ["ENV_VAR", "teachers_dir", "DNSMOS", "PLCMOS", "NISQA", "NISQATTS", "TeacherEnsemble"]
