"""The GPU check (benchmarks/gpu_check.py) runs its every part on tiny shapes on CPU, so it cannot rot before a GPU
machine runs it for real."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_check_runs_in_tiny_mode(tmp_path):
    out = tmp_path / "check.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--tiny", "--json", str(out),
                           "--workdir", str(tmp_path / "work")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text())
    modes = {t["mode"]: t for t in res["training"]}
    assert set(modes) == {"lora_mlp_r1", "full"}
    for t in modes.values():
        assert t["tokens_per_s"] > 0 and t["steps_timed"] > 0 and t["asserted"]["effective_batch_size"] == 2
        assert t["asserted"]["gradient_checkpointing"] is False
    # full fine-tuning trains every weight in bf16 (the paper's pure bf16); LoRA trains only its adapters
    assert (modes["full"]["base_dtype"], modes["full"]["trainable_dtype"]) == ("bfloat16", "bfloat16")
    assert modes["full"]["asserted"]["mixed_precision"] == "bf16"
    assert modes["lora_mlp_r1"]["trainable_parameters"] < modes["full"]["trainable_parameters"] / 50
    assert [g["device"] for g in res["geometry"]] == ["cpu"] and res["geometry"][0]["matrices"] == 14
    assert res["generation"]["tokens_per_s"] > 0
    assert res["table"].count("\n| training |") == 2 and "| generation |" in res["table"]
    assert res["table"] in proc.stdout
