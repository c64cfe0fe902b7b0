"""The package's lm-eval task files, run by the real lm-eval 0.4.13 on fixture data and the tiny
Qwen2 policy: prompts are the authors' (AIME) and the paper's A.3 text (GPQA) character for
character, and the same strings our own generation steps render; repeats give k samples per doc;
BoolQ/COPA are lm-eval's super_glue loglikelihood tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from repro.assets import registry as R
from repro.assets.datasets import FIXTURES, load_rows
from repro.assets.tokenizers import load_tokenizer
from repro.benchmarks import get_benchmark
from repro.errors import ReproError
from repro.evaluate.lmeval import (
    TASKS,
    load_task,
    render_prompts,
    run_task,
    score_multiple_choice,
    task_manager,
    task_yaml,
)
from repro.evaluate.prompts import gpqa_clean, gpqa_permutation
from repro.profiles.paper import PAPER_BENCHMARKS
from repro.specs import DatasetSpec

GOLDEN = Path(__file__).parent / "golden" / "prompts"
AIME_FILE = FIXTURES / "aime24_smoke.jsonl"
GPQA_FILE = FIXTURES / "gpqa_diamond_smoke.jsonl"
MC_FILES = {"boolq": FIXTURES / "boolq_smoke.jsonl", "copa": FIXTURES / "copa_smoke.jsonl"}


def golden(name: str) -> str:
    with open(GOLDEN / name, encoding="utf-8", newline="") as f:  # byte-exact: no newline translation
        return f.read()


def fixture_rows(path: Path) -> list[dict]:
    return load_rows(DatasetSpec(name=path.name, revision="fixture", split="test", source="fixture", path=path.name))


def raw_yaml(benchmark: str) -> dict:
    from lm_eval.tasks._yaml_loader import load_yaml

    return load_yaml(task_yaml(benchmark), resolve_func=False)


# --- the task files ---------------------------------------------------------------------------------


def test_task_dir_indexes_exactly_the_four_versioned_tasks():
    manager = task_manager()
    assert sorted(manager.all_subtasks) == sorted(TASKS.values())
    for benchmark in TASKS:
        cfg = raw_yaml(benchmark)
        assert cfg["task"] == TASKS[benchmark] and cfg["num_fewshot"] == 0
        assert isinstance(cfg["metadata"]["version"], float)


@pytest.mark.parametrize("benchmark", ["aime24", "gpqa_diamond"])
def test_generation_settings_are_the_paper_profiles(benchmark):
    cfg, decoding = raw_yaml(benchmark), PAPER_BENCHMARKS[benchmark].decoding
    gen = cfg["generation_kwargs"]
    assert gen == {"until": list(decoding.stop), "do_sample": True, "temperature": decoding.temperature,
                   "top_p": decoding.top_p, "max_gen_toks": decoding.max_new_tokens}
    assert cfg["repeats"] == decoding.n == 8
    assert cfg["filter_list"] == [{"name": "take_first_k", "filter": [{"function": "take_first_k", "k": 8}]}]


@pytest.mark.parametrize(("benchmark", "spec"), [("gpqa_diamond", R.GPQA_DIAMOND), ("boolq", R.SUPERGLUE_BOOLQ),
                                                 ("copa", R.SUPERGLUE_COPA)])
def test_hub_fallback_of_each_task_is_the_registry_pin(benchmark, spec):
    kw = raw_yaml(benchmark)["dataset_kwargs"]
    assert (kw["hub"], kw["config"], kw["revision"], kw.get("hub_split") or kw["split"]) == (
        spec.name, spec.config, spec.revision, spec.split)


def test_bad_data_is_one_repro_error():
    with pytest.raises(ReproError, match="has no data file"):
        load_task("aime24")  # the authors' AIME file has no hub copy
    with pytest.raises(ReproError, match="does not exist"):
        load_task("aime24", FIXTURES / "no_such_file.jsonl")
    with pytest.raises(ReproError, match="no lm-eval task"):
        load_task("mmlu", AIME_FILE)


# --- golden prompts (chat template off: the user message) --------------------------------------------


def test_aime_prompt_is_the_authors_and_the_pipelines():
    template = golden("aime24_authors_template.txt")
    rows = fixture_rows(AIME_FILE)
    prompts = render_prompts("aime24", AIME_FILE)
    items = get_benchmark("aime24").items(rows, seed=0)
    assert len(prompts) == len(rows) == 6
    for row, item, p in zip(rows, items, prompts, strict=True):
        assert p.context == template.replace("{{problem}}", row["problem"]) == item.user
        assert p.target == row["answer"] == item.target  # strings, zero padding kept ("025")
        assert p.repeats == 8
    assert prompts[0].context == golden("aime24_smoke_doc0.txt")
    assert "025" in [p.target for p in prompts]


@pytest.mark.parametrize("seed", [0, 1])
def test_gpqa_prompt_is_the_papers_a3_and_the_pipelines(seed):
    template = golden("gpqa_diamond_a3_template.txt")
    rows = fixture_rows(GPQA_FILE)
    prompts = render_prompts("gpqa_diamond", GPQA_FILE, seed=seed)
    items = get_benchmark("gpqa_diamond").items(rows, seed=seed)
    for row, item, p in zip(rows, items, prompts, strict=True):
        choices = [gpqa_clean(row[k]) for k in ("Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3",
                                                "Correct Answer")]
        order = gpqa_permutation(seed, row["Record ID"])
        expected = template.replace("{{Question}}", row["Question"])
        for slot, j in enumerate(order, start=1):
            expected = expected.replace(f"{{{{choice{slot}}}}}", choices[j])
        assert p.context == expected == item.user
        assert p.target == f"({'ABCD'[order.index(3)]})" == item.target
    assert prompts[2].context == golden(f"gpqa_diamond_smoke_doc2.seed{seed}.txt")  # [..] removed, order by seed
    if seed == 0:
        assert prompts[4].context == golden("gpqa_diamond_smoke_doc4.seed0.txt")  # " [title]" -> ". "


def test_gpqa_choice_order_is_deterministic_per_seed_and_question():
    by_seed = {s: [p.context for p in render_prompts("gpqa_diamond", GPQA_FILE, seed=s)] for s in (0, 1)}
    assert by_seed[0] == [p.context for p in render_prompts("gpqa_diamond", GPQA_FILE, seed=0)]
    assert by_seed[0] != by_seed[1]


def test_chat_template_render_is_what_both_generation_paths_feed(tiny_policy_dir):
    """With the chat template on, lm-eval's context is the R1 user turn plus generation prompt, and
    lm-eval's hf model tokenizes it to the same ids (one BOS) as repro's own generation layer."""
    from lm_eval.models.huggingface import HFLM

    from repro.generate.base import Request, render_prompt_ids

    prompts = render_prompts("aime24", AIME_FILE, tokenizer_dir=tiny_policy_dir, limit=2)
    items = get_benchmark("aime24").items(fixture_rows(AIME_FILE), seed=0)
    tokenizer = load_tokenizer(tiny_policy_dir)
    assert prompts[0].context == golden("aime24_smoke_doc0.r1_chat.txt")
    lm = HFLM(pretrained=str(tiny_policy_dir), device="cpu", dtype="float32")
    for p, item in zip(prompts, items, strict=False):
        messages = ({"role": "user", "content": item.user},)
        assert p.context == tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        ids = lm.tok_batch_encode([p.context])[0][0].tolist()
        assert ids == render_prompt_ids(tokenizer, Request(id=item.id, messages=messages))
        assert ids.count(tokenizer.bos_token_id) == 1 and ids[0] == tokenizer.bos_token_id


# --- runs on the tiny model ---------------------------------------------------------------------------


def test_aime_repeats_give_k_samples_per_doc(tiny_policy_dir):
    run = run_task("aime24", tiny_policy_dir, AIME_FILE, repeats=2, gen_kwargs={"max_gen_toks": 4}, limit=2)
    assert run.n_docs == 2 and len(run.samples) == 2
    assert run.version == 1.0
    chat = golden("aime24_smoke_doc0.r1_chat.txt")
    for sample in run.samples:
        assert sample["filter"] == "take_first_k"
        (answers,) = sample["resps"]  # one generate_until request per doc, answered `repeats` times
        (kept,) = sample["filtered_resps"]  # take_first_k keeps all k for the metric
        assert len(answers) == 2 and kept == answers
        ((context, gen),) = sample["arguments"]
        assert gen == {"until": ["Problem:"], "do_sample": True, "temperature": 0.6, "top_p": 0.95,
                       "max_gen_toks": 4}
        assert sample["rule_accuracy"] in (0.0, 0.5, 1.0)  # a mean over the doc's two samples
        assert context.startswith(chat.split("Problem:")[0]) and context.endswith("<｜Assistant｜><think>\n")
    assert run.samples[0]["arguments"][0][0] == chat
    assert 0.0 <= run.metrics["rule_accuracy,take_first_k"] <= 1.0


@pytest.mark.parametrize("benchmark", ["boolq", "copa"])
def test_loglikelihood_tasks_score_acc_on_the_fixtures(benchmark, tiny_policy_dir):
    rows = fixture_rows(MC_FILES[benchmark])
    score = score_multiple_choice(benchmark, tiny_policy_dir, MC_FILES[benchmark])
    assert score.task == f"repro_{benchmark}" and score.version == 1.0
    assert score.n_docs == len(score.records) == len(rows) == 8
    assert 0.0 <= score.acc <= 1.0 and score.acc_stderr is not None
    assert score.acc == pytest.approx(sum(r["acc"] for r in score.records) / len(score.records))
    for row, rec in zip(rows, score.records, strict=True):
        assert len(rec["continuations"]) == len(rec["loglikelihoods"]) == 2  # two loglikelihood requests
        assert all(ll < 0 for ll in rec["loglikelihoods"])
        assert rec["label"] == row["label"] and rec["acc"] == float(rec["pred"] == row["label"])
    if benchmark == "boolq":
        assert all(rec["continuations"] == [" no", " yes"] for rec in score.records)


@pytest.mark.parametrize("benchmark", ["boolq", "copa"])
def test_loglikelihood_requests_equal_lm_evals_super_glue_config(benchmark, tmp_path):
    """Same contexts, continuations and targets as lm-eval's own super_glue task on the same docs;
    the offline path also reads a staged parquet split file."""
    import lm_eval.tasks
    from lm_eval.tasks import TaskManager
    from lm_eval.tasks._yaml_loader import load_yaml

    data = MC_FILES[benchmark]
    builtin = load_yaml(Path(lm_eval.tasks.__file__).parent / "super_glue" / benchmark / "default.yaml")
    builtin.update(task=f"builtin_{benchmark}", dataset_path="json", dataset_name=None, training_split=None,
                   dataset_kwargs={"data_files": {"validation": str(data)}})
    builtin.pop("tag")
    theirs = TaskManager(include_defaults=False).load([builtin])["tasks"][f"builtin_{benchmark}"]
    theirs.build_all_requests(rank=0, world_size=1)
    their_args = [(i.doc_id, i.args) for i in theirs.instances]

    import datasets

    parquet = tmp_path / f"{benchmark}-validation.parquet"
    datasets.Dataset.from_list(fixture_rows(data)).to_parquet(str(parquet))
    for source in (data, parquet):
        ours = load_task(benchmark, source)
        ours.build_all_requests(rank=0, world_size=1)
        assert [(i.doc_id, i.args) for i in ours.instances] == their_args
        assert [ours.doc_to_target(d) for d in ours.eval_docs] == [theirs.doc_to_target(d) for d in theirs.eval_docs]
    assert len(their_args) == 2 * 8
    assert render_prompts(benchmark, data)[0].context == golden(f"{benchmark}_smoke_doc0.txt")

