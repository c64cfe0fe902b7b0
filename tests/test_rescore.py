"""``repro score BENCHMARK FILE.jsonl``: rescoring shipped responses without generation."""

from __future__ import annotations

import json

import pytest
from test_cli import _one_error_line, repro

from repro.assets.datasets import load_rows
from repro.benchmarks import get_benchmark
from repro.profiles import get_profile

SMOKE = get_profile("smoke")


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _items(benchmark, seed=0):
    return get_benchmark(benchmark).items(load_rows(SMOKE.benchmark(benchmark).data), seed)


def test_aime_rescoring_from_ids_with_truncation_and_target_override(tmp_path):
    items = _items("aime24")
    rows = [
        {"id": items[0].id, "response": f"<think>easy</think> Final Answer: \\boxed{{{items[0].target}}}"},
        {"id": items[1].id, "response": "<think>I keep going and going", "finish_reason": "length"},
        # an overridden gold answer: the file's own target wins over the data's
        {"id": items[2].id, "response": "\\boxed{7}", "target": "7"},
    ]
    proc = repro("score", "aime24", str(_write(tmp_path / "r.jsonl", rows)), "--profile", "smoke",
                 "--verdicts", str(tmp_path / "v.jsonl"))
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    assert (s["benchmark"], s["n"], s["n_questions"], s["n_truncated"], s["n_no_answer"]) == ("aime24", 3, 3, 1, 1)
    assert s["value"] == pytest.approx(2 / 3)
    assert s["math_verify_pass_at_1"] == pytest.approx(2 / 3)
    verdicts = [json.loads(x) for x in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert [v["correct"] for v in verdicts] == [1, 0, 1] and verdicts[2]["target"] == "7"


def test_gpqa_rescoring_uses_each_seeds_choice_order(tmp_path):
    rows = []
    for seed in (0, 1):
        for k, it in enumerate(_items("gpqa_diamond", seed)):
            letter = it.target.strip("()") if k % 2 == 0 else "Z"
            rows.append({"id": it.id, "seed": seed, "response": f"Final Answer: \\boxed{{{letter}}}"})
    proc = repro("score", "gpqa_diamond", str(_write(tmp_path / "r.jsonl", rows)), "--profile", "smoke")
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    n_q = len(_items("gpqa_diamond"))
    assert (s["n_questions"], s["n_samples_per_question"]) == (n_q, 2)
    assert s["value"] == pytest.approx(sum(k % 2 == 0 for k in range(n_q)) / n_q)


def test_safety_rescoring_with_a_local_judge(tmp_path, tiny_judge_dir):
    items = _items("beavertails")
    rows = [{"id": it.id, "response": "<think>harmful</think> I can't help with that."} for it in items[:3]]
    path = _write(tmp_path / "r.jsonl", rows)
    line = _one_error_line(repro("score", "beavertails", str(path), "--profile", "smoke"))
    assert "no judge was given" in line and "--judge" in line
    proc = repro("score", "beavertails", str(path), "--profile", "smoke", "--judge", str(tiny_judge_dir))
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    assert s["n"] == 3 and s["n_safe"] + s["n_unsafe"] + s["n_parse_error"] == 3


@pytest.mark.parametrize("content, needle", [
    ('{"id": "aime24/900", "response": "x"}\nnot json\n', "r.jsonl:2 is not valid JSON (Expecting value at column 1)"),
    ('{"id": "aime24/900", "response": "x"}\n{"id": "aime24/900", "response": "y"}\n',
     "r.jsonl:2 repeats id 'aime24/900' of line 1"),
    ('{"id": "aime24/900", "response": "x", "seed": 1}\n{"id": "aime24/900", "response": "y", "seed": 1}\n',
     "repeats id 'aime24/900' with seed 1 of line 1"),
    ('{"id": "aime24/900"}\n', 'lacks a string "id" and a string "response"'),
    ('{"id": "aime24/nope", "response": "x"}\n', "unknown aime24 id 'aime24/nope'"),
    ('{"id": "gpqa_diamond/x", "response": "x"}\n', "neither a seed nor a target"),
    ("", "holds no responses"),
    ('{"id": "aime24/900", "response": "x\n', 'r.jsonl:1 is not valid JSON (Unterminated string starting at column 34)'),
    # a raw line separator inside a string is one line, so the bad line is still counted as line 3
    ('{"id": "aime24/900", "response": "a\u2028b"}\n\n{"id": 3\n', "r.jsonl:3 is not valid JSON"),
    ('\x0c\n', "r.jsonl:1 is not valid JSON"),  # not JSON whitespace, so not a blank line either
])
def test_bad_response_files_get_one_line(tmp_path, content, needle):
    path = tmp_path / "r.jsonl"
    path.write_text(content)
    bench = "gpqa_diamond" if "gpqa" in content else "aime24"
    assert needle in _one_error_line(repro("score", bench, str(path), "--profile", "smoke"))


def test_a_file_that_is_not_utf8_gets_one_line(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"id": "aime24/900", "response": "x"}\n{"id": "aime24/900", "response": "caf\xe9"}\n')
    line = _one_error_line(repro("score", "aime24", str(path), "--profile", "smoke"))
    assert "r.jsonl:2 is not UTF-8 (byte 0xe9" in line


def test_existing_verdicts_file_is_never_overwritten(tmp_path):
    path = _write(tmp_path / "r.jsonl", [{"id": _items("aime24")[0].id, "response": "\\boxed{1}"}])
    verdicts = tmp_path / "v.jsonl"
    verdicts.write_text("keep me")
    line = _one_error_line(repro("score", "aime24", str(path), "--profile", "smoke", "--verdicts", str(verdicts)))
    assert "already exists" in line and verdicts.read_text() == "keep me"
    assert "cannot score benchmark" in _one_error_line(repro("score", "mmlu", str(path)))


def test_raw_line_separators_inside_strings_are_read(tmp_path):
    """JSON Lines ends a line at \\n only: U+2028, U+2029 and U+0085 may sit raw in a JSON string (json.dumps
    with ensure_ascii=False writes them so), and a CRLF line end is whitespace."""
    items = _items("aime24")
    seps = ["\u2028", "\u2029", "\x85"]
    rows = [{"id": items[0].id, "seed": k, "response": f"<think>a{sep}b</think>{sep}\\boxed{{{items[0].target}}}"}
            for k, sep in enumerate(seps)]
    text = "".join(json.dumps(r, ensure_ascii=False) + ("\r\n" if k % 2 else "\n") for k, r in enumerate(rows))
    assert all(sep in text for sep in seps)
    path = tmp_path / "r.jsonl"
    path.write_bytes(text.encode("utf-8"))
    from repro.pipeline.rescore import read_responses

    assert [r["response"] for r in read_responses(path)] == [r["response"] for r in rows]
    proc = repro("score", "aime24", str(path), "--profile", "smoke")
    assert proc.returncode == 0, proc.stderr
    s = json.loads(proc.stdout)
    assert (s["n"], s["n_samples_per_question"], s["value"]) == (len(seps), len(seps), 1.0)


def test_a_raw_control_character_is_reported_on_its_own_line(tmp_path):
    """A raw \\x0c (or \\x0b, \\x1c-\\x1e) in a string is not JSON (control characters must be escaped); the
    error names the line it is on, counted by \\n, and the column, instead of splitting the line there."""
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"id": "aime24/900", "response": "a\xe2\x80\xa8b"}\n{"id": "aime24/901", "response": "c\x0cd"}\n')
    line = _one_error_line(repro("score", "aime24", str(path), "--profile", "smoke"))
    assert "r.jsonl:2 is not valid JSON (Invalid control character at column 36)" in line
