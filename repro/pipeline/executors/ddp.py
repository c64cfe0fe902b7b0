"""Data-parallel training of one train step: N processes through ``accelerate launch``, each with
batch/N samples, so the effective batch, step count, LR schedule and precision stay the recipe's.

The authors trained in one process with the model spread over all GPUs (docs/settings.md#training), so every
run's batch is its effective batch. Runs with batch 2 (every LoRA run, 7B full) may go
data-parallel over 2 processes with one sample each: ``sft_config`` divides the batch by the
world size and the Trainer averages the loss over every rank's completion tokens, which is the
one-process batch-2 loss. The 14B full run (batch 1) cannot be split without changing its batch:
it always trains in one process with ``device_map="auto"`` spreading its layers over the GPUs.

    python -m repro.pipeline.executors.ddp STORE_ROOT PROFILE STEP_PICKLE OUT_DIR   (one per rank)
"""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from repro.errors import ReproError
from repro.specs import TrainSpec

if TYPE_CHECKING:
    from repro.pipeline.steps import Step
    from repro.pipeline.store import ArtifactStore

GPUS_ENV = "REPRO_DDP_GPUS"  # the parent's visible GPUs, one per rank
LOG = "ddp-train.log"


def data_parallel_processes(spec: TrainSpec, requested: int) -> int:
    """The most processes, up to ``requested``, that divide the run's batch (1 for the 14B full run)."""
    return max(d for d in range(1, max(1, requested) + 1) if spec.batch_size % d == 0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_command(processes: int, args: list[str]) -> list[str]:
    """``accelerate launch`` for ``processes`` ranks on this machine. Its multi-GPU launcher is
    torchrun; on a machine without CUDA the Trainer (``use_cpu``) joins the ranks over gloo."""
    return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(processes),
            "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
            "--main_process_port", str(_free_port()), "-m", __name__, *args]


def run_train_distributed(step: Step, out: Path, store: ArtifactStore, processes: int) -> dict:
    """Run the train ``step`` into ``out`` on ``processes`` data-parallel ranks; return rank 0's facts."""
    import torch

    env = dict(os.environ)
    if torch.cuda.is_available():
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        gpus = visible.split(",") if visible else [str(i) for i in range(torch.cuda.device_count())]
        if len(gpus) < processes:
            raise ReproError(f"{processes} data-parallel training processes need {processes} GPUs; {len(gpus)} visible",
                             "use --train-processes 1, or run on a node with more GPUs")
        env[GPUS_ENV] = ",".join(gpus[:processes])
    step_file, facts_file = out / ".ddp-step.pkl", out / ".ddp-facts.json"
    step_file.write_bytes(pickle.dumps(step))
    cmd = launch_command(processes, [str(store.root), store.profile, str(step_file), str(out)])
    with open(out / LOG, "a", encoding="utf-8") as log:
        rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0 or not facts_file.is_file():
        raise ReproError(f"data-parallel training of {step.key} on {processes} processes failed (exit {rc})",
                         f"see {out / LOG}; rerun to resume from the last whole checkpoint")
    facts = json.loads(facts_file.read_text())
    step_file.unlink()
    facts_file.unlink()
    return facts


def _one_gpu_per_rank() -> None:
    """Give each rank only its own GPU, before torch starts. ``build_trainer`` loads with
    ``device_map="auto"``, which under torchrun would spread every rank's copy over all GPUs;
    with one visible GPU per rank it places the whole copy there, as DDP needs."""
    gpus = os.environ.get(GPUS_ENV)
    if not gpus:
        return
    os.environ["CUDA_VISIBLE_DEVICES"] = gpus.split(",")[int(os.environ["LOCAL_RANK"])]
    os.environ["LOCAL_RANK"] = "0"
    os.environ["LOCAL_WORLD_SIZE"] = "1"


def main(argv: list[str]) -> None:
    _one_gpu_per_rank()
    root, profile, step_file, out_arg = argv
    out = Path(out_arg)
    step = pickle.loads(Path(step_file).read_bytes())

    from repro.pipeline.executors.determinism import apply_determinism, seed_everything
    from repro.pipeline.kinds import kind
    from repro.pipeline.runners import Runtime
    from repro.pipeline.store import ArtifactStore, atomic_write_json

    apply_determinism()
    seed_everything(step.spec.seed)  # every rank builds the same adapter init (DDP then broadcasts rank 0's)
    runtime = Runtime(ArtifactStore(Path(root), profile))
    if int(os.environ.get("RANK", "0")) == 0:
        facts = kind(step.kind).run(step, out, runtime) or {}
        atomic_write_json(out / ".ddp-facts.json", facts)
        return
    # Other ranks train in lockstep and leave the checkpoint checks and reports to rank 0, which
    # alone writes the checkpoints (they would otherwise look for a checkpoint rank 0 is still saving).
    from repro.assets.datasets import load_rows
    from repro.pipeline.locate import model_dir
    from repro.train.checkpoints import latest_whole_checkpoint
    from repro.train.sft import build_trainer

    spec: TrainSpec = step.spec
    trainer, _ = build_trainer(spec, model_dir(runtime.store, spec.model), load_rows(spec.data), out)
    resume = latest_whole_checkpoint(out)
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)


if __name__ == "__main__":
    main(sys.argv[1:])
