"""The bench references: the Distill-MOS v7 size really is 4.3 M parameters, FLOP counts and the
sgemm peak are positive and plots are written from a results.json."""
import json

from callmos_factory import bench_reference as br
from callmos_factory.student import Student, count_params


def test_v7_config_has_the_published_size():
    assert abs(count_params(Student(br.v7_config())) - 4.3e6) < 0.05e6


def test_flops_grow_with_the_window(capsys):
    cfg = br.v7_config()
    assert br.window_flops(cfg, 200) > br.window_flops(cfg, 100) > 0


def test_sgemm_and_plots(tmp_path, capsys):
    br.main(["sgemm", "--n", "128", "--runs", "1"])
    sgemm = json.loads(capsys.readouterr().out)
    assert sgemm["flops"] > 0
    results = {
        "dsp": {"core": {"xRealTime": 100.0}, "numpy": {"xRealTime": 300.0}},
        "models": {"rows": [{"model": "tiny", "runtime": "onnxruntime-node (CPU)", "rtf": 0.01}], "references": []},
        "floor": {"peakGflops": 50.0, "rows": [{"model": "tiny", "runtime": "onnxruntime-node (CPU)", "pctOfPeak": 20.0, "gflopsPerAudioSecond": 0.3}]},
        "scale": {"model": "small", "hopMs": 1000, "curves": [{"batching": "on", "points": [
            {"streams": 1, "p50Ms": 100, "p99Ms": 150, "realTime": True, "pluginCores": 0.1, "workerCores": 0.01, "rssPerStreamMB": 10.0}]}]},
        "gpu": {"skipped": "no GPU"},
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    br.main(["plots", "--results", str(path), "--out", str(tmp_path)])
    files = json.loads(capsys.readouterr().out)["files"]
    assert files == ["bench-dsp.png", "bench-models.png", "bench-floor.png", "bench-scale.png"]
    assert all((tmp_path / f).stat().st_size > 1000 for f in files)
