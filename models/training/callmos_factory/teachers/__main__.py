"""python -m callmos_factory.teachers [seconds]: per-clip labelling cost of each teacher on 1 thread."""
import sys

from .ensemble import measure_cost

secs = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
for label, kw in (("published DNSMOS windows", {}), ("dnsmos_max_windows=1", {"dnsmos_max_windows": 1})):
    cost = measure_cost(secs, threads=1, rounds_plcmos=4, with_tts=True, **kw)
    print(f"{secs:g} s clip, 1 thread, PLCMOS 4 rounds, {label}: "
          + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in cost.items()) + " (total without nisqa_tts)")
