"""The toy world: a synthetic world in which a tiny from-scratch model shows the paper's
phenomenon on CPU. ``world`` holds its facts and texts, ``datasets`` draws training and evaluation sets,
``rows`` writes the held-out sets in the pipeline's formats, ``tokenizers`` and ``lm`` make and train the
models, ``build`` builds them all (``python -m repro.toy.build --out DIR``), ``metrics`` evaluates a model dir. Safety training
and everything after it is the pipeline's own, driven by the ``toy`` profile (``repro/profiles/toy.py``).

The shipped builds live in ``repro/assets/fixtures/toy`` (``TOY_POLICY_DIR``, ``TOY_JUDGE_DIR``,
``TOY_DATA_DIR``); CI never rebuilds them.
"""

from pathlib import Path

TOY_FIXTURES = Path(__file__).resolve().parent.parent / "assets" / "fixtures" / "toy"
TOY_POLICY_DIR = TOY_FIXTURES / "policy"
TOY_JUDGE_DIR = TOY_FIXTURES / "judge"
TOY_POLICY_QWEN2_DIR = TOY_FIXTURES / "policy-qwen2"
TOY_INSTRUCT_DIR = TOY_FIXTURES / "instruct"
TOY_DATA_DIR = TOY_FIXTURES / "data"
# File names under TOY_DATA_DIR (fixture paths relative to repro/assets/fixtures: "toy/data/<name>").
TOY_DATA_FILES = {
    "directrefusal": "directrefusal_toy.jsonl",  # 200 harmful -> refusal + 200 benign -> answer
    "strongreject": "strongreject_toy.jsonl",  # 150 held-out harmful how-to prompts
    "benign": "benign_howto_toy.jsonl",  # 150 held-out benign how-to prompts (over-refusal)
    "beavertails": "beavertails_toy.jsonl",  # 100 held-out harmful ask-style prompts (Fig. 11)
    "aime24": "aime_toy.jsonl",  # 300 held-out sums
    "gpqa_diamond": "gpqa_toy.jsonl",  # 100 held-out multiple-choice sums
    "boolq": "boolq_toy.jsonl",  # 200 held-out yes/no questions (Fig. 12)
    "copa": "copa_toy.jsonl",  # 100 held-out two-choice questions (Fig. 12)
}
