#!/usr/bin/env bash
# Wheels that benchmarks/gpu_check.py needs on a GPU machine that has torch, transformers and peft but no network
# (Python 3.12, x86_64): the project's pins of TRL, datasets and the libraries it trains with. Run here, with
# PyPI reachable; carry the folder to the GPU machine and, there:
#   python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:.
#   python3 benchmarks/gpu_check.py --json gpu_check.json
# datasets 5.2.0 wants pyarrow >= 24: add "pyarrow==24.*" below if the machine's is older.
set -euo pipefail
dest=${1:-.whl}
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$dest" \
  trl==1.16.0 datasets==5.2.0 "dill<0.4.2" "multiprocess<0.70.20" transformers==5.19.0 peft==0.21.2 tokenizers==0.23.3
du -sh "$dest"
