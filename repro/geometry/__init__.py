"""Weight geometry (docs/geometry.md#notation): update matrices streamed from checkpoints, their stable rank
(Fig. 1), their overlap with the base weights (m1-m4, Fig. 7), and OrthoMerge (Fig. 8).

    tensors.py     tensors of a (sharded) safetensors checkpoint, read one at a time, prefetched
    deltas.py      dW per (layer, module): W_ft - W_I (full) or (alpha/r) B A (LoRA adapter)
    metrics.py     stable rank (spectral norm by Lanczos), overlap metrics m1-m4, top-k singular vectors
    orthomerge.py  OrthoMerge-col / -both merged checkpoints
    analysis.py    the per-checkpoint passes the pipeline runs, with their I/O accounting

Everything runs on the GPU when one is present (``torch.cuda.is_available()``), else on the CPU;
all arithmetic is fp32 whatever the checkpoint dtype.
"""
