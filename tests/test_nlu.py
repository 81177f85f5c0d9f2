"""The NLU pieces: the NumPy MiniLM encoder, the rasa components, nlu-bench and test."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.minilm import MiniLMEncoder
from bot.nlu.scores import score_intents

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder.shared()


class TestEncoder:
    def test_matches_sentence_transformers_published_similarities(
        self, encoder: MiniLMEncoder
    ) -> None:
        # sentence-transformers' quickstart prints these for all-MiniLM-L6-v2.
        vectors = encoder.encode(
            ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
        )
        similarities = vectors @ vectors.T
        expected = [[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]]
        np.testing.assert_allclose(similarities, expected, atol=1e-3)

    def test_shape_and_unit_length(self, encoder: MiniLMEncoder) -> None:
        vectors = encoder.encode(["where is my order", "hi", "x " * 400])
        assert vectors.shape == (3, 384)
        assert vectors.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
        assert encoder.encode([]).shape == (0, 384)

    def test_paraphrases_are_closer_than_unrelated_messages(self, encoder: MiniLMEncoder) -> None:
        a, b, c = encoder.encode(
            ["where is my parcel?", "my package hasn't arrived yet", "do you sell garden chairs"]
        )
        assert a @ b > 0.5
        assert a @ b > a @ c + 0.3

    def test_a_batch_gives_what_single_messages_give(self) -> None:
        uncached = MiniLMEncoder(cache_size=0, batch_size=4)
        texts = ["hi", "what time do you open on sundays", "refund", "cancel order FH-10234", "ok"]
        batch = uncached.encode(texts)
        for text, row in zip(texts, batch, strict=True):
            np.testing.assert_allclose(uncached.encode([text])[0], row, atol=1e-5)

    def test_cache_returns_the_same_vectors(self, encoder: MiniLMEncoder) -> None:
        first = encoder.encode(["repeat me", "and me", "repeat me"])
        np.testing.assert_array_equal(first[0], first[2])
        np.testing.assert_array_equal(encoder.encode(["and me"])[0], first[1])


class TestComponents:
    def test_featurizer_adds_a_dense_sentence_feature(self) -> None:
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.nlu.training_data.training_data import TrainingData

        from bot.nlu.components import MiniLMFeaturizer

        featurizer = MiniLMFeaturizer(MiniLMFeaturizer.get_default_config(), "minilm")
        message = Message(data={"text": "when are you open?"})
        featurizer.process([message])
        sequence, sentence = message.get_dense_features("text")
        assert sequence is None
        assert sentence is not None
        assert sentence.features.shape == (1, 384)

        examples = [Message.build("hello", "greet"), Message.build("bye", "goodbye")]
        featurizer.process_training_data(TrainingData(training_examples=examples))
        assert all(example.features_present("text") for example in examples)

    def test_classifier_learns_stores_and_loads(self, tmp_path: Path) -> None:
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.nlu.training_data.training_data import TrainingData

        from bot.nlu.components import LinearIntentClassifier, MiniLMFeaturizer

        featurizer = MiniLMFeaturizer(MiniLMFeaturizer.get_default_config(), "minilm")
        examples = {
            "greet": ["hello", "hi there", "good morning", "hey"],
            "opening_hours": ["when are you open", "opening hours", "what time do you close"],
            "delivery_costs": ["how much is delivery", "shipping costs", "is delivery free"],
        }
        data = TrainingData(
            training_examples=[
                Message.build(text, intent) for intent, texts in examples.items() for text in texts
            ]
        )
        featurizer.process_training_data(data)
        storage, resource = LocalModelStorage(tmp_path), Resource("classifier")
        LinearIntentClassifier.create({}, storage, resource, None).train(data)

        loaded = LinearIntentClassifier.load({}, storage, resource, None)
        messages = [Message(data={"text": t}) for t in ("hiya", "are you open on sunday?")]
        loaded.process(featurizer.process(messages))
        assert [m.get("intent")["name"] for m in messages] == ["greet", "opening_hours"]
        ranking = messages[1].get("intent_ranking")
        assert len(ranking) == 3
        assert sum(entry["confidence"] for entry in ranking) == pytest.approx(1.0, abs=1e-5)


def test_intent_scores() -> None:
    report = score_intents(["a", "a", "b", "c"], ["a", "b", "b", "nlu_fallback"])
    assert report.accuracy == 0.5
    scores = {score.intent: score for score in report.intents}
    assert (scores["a"].precision, scores["a"].recall) == (1.0, 0.5)
    assert (scores["b"].precision, scores["b"].recall) == (0.5, 1.0)
    assert scores["c"].f1 == 0.0
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    assert report.labels == ["a", "b", "c", "nlu_fallback"]
    assert report.confusion[2] == [0, 0, 0, 1]


def _run_bot(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["utterance", "label"])
        writer.writerows(rows)


def test_nlu_bench_scores_the_default_and_a_shorter_rasa_pipeline(tmp_path: Path) -> None:
    phrasings = {
        "card_lost": ["I lost my card", "my card is gone", "can't find my bank card"],
        "exchange_rate": ["what is the exchange rate", "euro to dollar rate", "currency rates"],
        "top_up": ["how do I top up", "add money to my account", "top up my balance"],
    }
    _write_csv(
        tmp_path / "train.csv",
        [(text, label) for label, texts in phrasings.items() for text in texts * 2],
    )
    _write_csv(
        tmp_path / "test.csv",
        [
            ("I have lost my card", "card_lost"),
            ("what's the rate for pounds", "exchange_rate"),
            ("put money on my account", "top_up"),
        ],
    )
    result = _run_bot(
        "nlu-bench",
        str(tmp_path / "train.csv"),
        str(tmp_path / "test.csv"),
        "--text-column=utterance",
        "--label-column=label",
        "--config=config/pipelines/rasa-default.yml",
        "--epochs=2",
        f"--output={tmp_path / 'out'}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "accuracy" in result.stdout and "p99 ms" in result.stdout
    assert "rasa-default.yml (2 epochs)" in result.stdout
    figures = json.loads((tmp_path / "out/nlu-bench.json").read_text())
    default, rasa_default = figures["results"]
    assert default["pipeline"] == "pipeline.yml"
    assert default["accuracy"] == 1.0
    assert "FallbackClassifier" not in default["components"]
    assert rasa_default["train_seconds"] > 0 and rasa_default["p50_ms"] > 0
    assert (tmp_path / "out/nlu-bench.png").stat().st_size > 10_000


def test_nlu_bench_names_a_missing_column(tmp_path: Path) -> None:
    _write_csv(tmp_path / "data.csv", [("hello", "greet")])
    result = _run_bot("nlu-bench", str(tmp_path / "data.csv"), str(tmp_path / "data.csv"))
    assert result.returncode == 2
    assert "has no column 'text'" in result.stderr


def test_test_command_writes_reports_and_passes_the_demo_stories(tmp_path: Path) -> None:
    result = _run_bot("test", f"--output={tmp_path}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "precision" in result.stdout and "recall" in result.stdout
    assert "Stories, from tests/test_stories.yml: 5 of 5 passed." in result.stdout
    assert "Handoff detector" in result.stdout
    assert (tmp_path / "intent-confusion.png").stat().st_size > 10_000
    assert (tmp_path / "handoff-confusion.png").is_file()
    page = (tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2
    assert "All 5 stories passed" in page
    assert "<link" not in page and "<script" not in page and "src='http" not in page


def test_test_command_fails_when_a_story_fails(tmp_path: Path) -> None:
    stories = tmp_path / "stories.yml"
    stories.write_text(
        'version: "3.1"\nstories:\n- story: hello answered with the opening hours\n'
        "  steps:\n  - user: |\n      hello\n    intent: greet\n"
        "  - action: utter_opening_hours\n"
    )
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - good evening\n')
    result = _run_bot(
        "test",
        f"--stories={stories}",
        f"--nlu={nlu}",
        f"--handoff={tmp_path}",  # no CSV file there
        f"--output={tmp_path / 'out'}",
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "0 of 1 passed" in result.stdout
    assert "predicted: utter_greet" in result.stdout
    assert "1 of 1 stories failed" in (tmp_path / "out/report.html").read_text()
