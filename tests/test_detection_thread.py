"""The detector over a thread (the same problem again, a failing bot, a hand-back), its
examples files, its stored classifier, and `handoff-eval` over every shared set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from handoff.detection import DetectionSettings, Detector, Signal, TurnContext, signals
from handoff.detection.classifier import ComplaintClassifier
from handoff.detection.examples import Example, example_files, read_all, read_topic_file
from handoff.detection.settings import ClassifierOptions
from handoff.evaluation_suite import best_threshold, is_tuning_row

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data/handoff/frustration.yml"
CACHE = ClassifierOptions(cache_dir=str(ROOT / "models/detector"))


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_settings(DetectionSettings(classifier=CACHE), EXAMPLES)


class TestThreadSignals:
    def test_same_problem_counts_in_words(self) -> None:
        assert signals.same_problem(0) is None
        assert signals.same_problem(1) == Signal("same_problem", 1.0, "asked twice")
        assert signals.same_problem(2) == Signal("same_problem", 1.0, "raised 3 times")

    def test_bot_failing_needs_enough_failures(self) -> None:
        assert signals.bot_failing(1, 4, 2) is None
        assert signals.bot_failing(2, 4, 2) == Signal("bot_failing", 0.5, "bot failed 2 of 4 times")

    def test_an_unsure_request_human_intent_is_not_a_request(self) -> None:
        question = "Quels sont vos horaires d'ouverture ?"
        assert (
            signals.asked_for_human(question, "request_human", ["request_human"], 0.3, 0.45) is None
        )
        sure = signals.asked_for_human("hmm", "request_human", ["request_human"], 0.9, 0.45)
        assert sure is not None

    def test_the_same_problem_raised_again_is_noticed(self, detector: Detector) -> None:
        first = "my order FH-20931 never arrived, can you check please?"
        again = "Hello, my order FH-20931 has still not arrived, could you check?"
        decision = detector.decide(TurnContext(again, recent_texts=(first, "hi")))
        assert "same_problem" in [s.name for s in decision.signals], decision.reason
        assert "asked twice" in decision.reason
        alone = detector.decide(TurnContext(again, recent_texts=("hi",)))
        assert "same_problem" not in [s.name for s in alone.signals]
        assert decision.score > alone.score

    def test_a_different_question_is_not_the_same_problem(self, detector: Detector) -> None:
        decision = detector.decide(
            TurnContext(
                "do you deliver on saturdays?",
                recent_texts=("my order FH-20931 never arrived, can you check please?",),
            )
        )
        assert "same_problem" not in [s.name for s in decision.signals]

    def test_a_bot_that_keeps_failing_escalates(self, detector: Detector) -> None:
        context = TurnContext(
            "what about the blue one",
            intent="nlu_fallback",
            intent_confidence=0.3,
            recent_intents=("greet", "nlu_fallback", "product_info"),
            recent_confidences=(0.95, 0.3, 0.41),
        )
        decision = detector.decide(context)
        assert "bot_failing" in [s.name for s in decision.signals]
        assert "bot failed 3 of 4 times" in decision.reason

    def test_after_a_hand_back_earlier_messages_do_not_count(self, detector: Detector) -> None:
        # The pipeline passes only the messages since the hand-back (bot/pipeline.py); what
        # was said to the agent before it cannot escalate the next routine question.
        before = ("I want to talk to a human", "my order never arrived!!!", "THIS IS A JOKE")
        question = "Quels sont vos horaires d'ouverture ?"
        with_history = detector.decide(
            TurnContext(question, "opening_hours", 0.9, recent_texts=before)
        )
        since_hand_back = detector.decide(TurnContext(question, "opening_hours", 0.9))
        assert not since_hand_back.escalate, since_hand_back.reason
        assert since_hand_back.signals == ()
        assert "asked_for_human" not in [s.name for s in with_history.signals]


class TestExamples:
    def test_the_repositorys_files_read(self) -> None:
        files = example_files(EXAMPLES)
        assert files[0] == EXAMPLES
        examples = read_all(files)
        languages = {e.language for e in examples}
        assert {"en", "fr", "es", "it"} <= languages
        assert sum(e.complaint for e in examples) > 1000
        assert len({(e.text.casefold(), e.complaint) for e in examples}) == len(examples)

    def test_errors_name_the_file_and_the_key(self, tmp_path: Path) -> None:
        folder = tmp_path / "examples"
        folder.mkdir()
        bad = folder / "xx.yml"
        bad.write_text("complaint:\n  billing: not a list\n", encoding="utf-8")
        with pytest.raises(ConfigError) as error:
            read_topic_file(bad)
        assert "xx.yml" in str(error.value) and "complaint.billing" in str(error.value)
        bad.write_text("routine: [1, 2]\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="routine"):
            read_topic_file(bad)
        with pytest.raises(ConfigError, match="no handoff examples"):
            example_files(tmp_path / "elsewhere" / "missing.yml")


class TestStoredClassifier:
    EXAMPLES = (
        Example("my parcel never came", True, "missing_order", "en", "t"),
        Example("mi paquete nunca llegó", True, "missing_order", "es", "t"),
        Example("you charged me twice", True, "billing", "en", "t"),
        Example("how long is delivery?", False, "question", "en", "t"),
        Example("merci beaucoup", False, "thanks", "fr", "t"),
    )

    def test_trains_once_then_loads(self, tmp_path: Path) -> None:
        options = ClassifierOptions(cache_dir=str(tmp_path))
        trained = ComplaintClassifier.load_or_train(self.EXAMPLES, options)
        (stored,) = tmp_path.glob("detector-*.npz")
        loaded = ComplaintClassifier.load_or_train(self.EXAMPLES, options)
        np.testing.assert_allclose(loaded.weights, trained.weights)
        assert loaded.topics == ("billing", "missing_order")
        text = "the parcel has not arrived"
        assert loaded.probability(text) == pytest.approx(trained.probability(text))
        assert loaded.topic_of(loaded.embed([text])[0]) == "missing_order"
        changed = (*self.EXAMPLES, Example("bonjour", False, "smalltalk", "fr", "t"))
        ComplaintClassifier.load_or_train(changed, options)
        assert len(list(tmp_path.glob("detector-*.npz"))) == 2  # new data, new classifier
        stored.write_bytes(b"broken")
        again = ComplaintClassifier.load_or_train(self.EXAMPLES, options)  # trained again
        assert again.topics == trained.topics

    def test_the_nearest_examples_vote_and_are_stored(self, tmp_path: Path) -> None:
        voting = ClassifierOptions(cache_dir=str(tmp_path), neighbours=1, neighbour_weight=0.5)
        alone = ClassifierOptions(cache_dir=str(tmp_path), neighbour_weight=0.0)
        trained = ComplaintClassifier.load_or_train(self.EXAMPLES, voting)
        regression = ComplaintClassifier.load_or_train(self.EXAMPLES, alone)
        assert regression.vote is None and trained.vote is not None
        assert trained.vote.complaints.shape == (3, 384)
        # Nearly an example's words: the vote leans the way of that example.
        near_complaint, near_routine = "you charged me twice!", "how long is delivery"
        assert trained.probability(near_complaint) > regression.probability(near_complaint)
        assert trained.probability(near_routine) < regression.probability(near_routine)
        loaded = ComplaintClassifier.load_or_train(self.EXAMPLES, voting)
        assert loaded.vote is not None and loaded.vote.k == 1
        assert loaded.probability(near_complaint) == pytest.approx(
            trained.probability(near_complaint)
        )

    def test_needs_both_kinds(self) -> None:
        with pytest.raises(ConfigError, match="both kinds"):
            ComplaintClassifier.train(self.EXAMPLES[:3])


class TestSuite:
    def test_best_threshold_maximises_macro_f1(self) -> None:
        scores = [0.1, 0.2, 0.6, 0.7, 0.9]
        actual = [False, False, True, False, True]
        assert best_threshold(scores, actual) == 0.6

    def test_the_tuning_fifth_is_stable(self) -> None:
        texts = [f"message {i}" for i in range(2000)]
        tuning = [t for t in texts if is_tuning_row(t)]
        assert 300 < len(tuning) < 500
        assert tuning == [t for t in texts if is_tuning_row(t)]

    def test_the_command_scores_every_set_in_one_table(self, tmp_path: Path) -> None:
        datasets = tmp_path / "datasets"
        bitext = datasets / "bitext-customer-service"
        sentiment = datasets / "multilingual-sentiment"
        bitext.mkdir(parents=True)
        sentiment.mkdir()
        rows = [
            ("my lamp arrived smashed and nobody answers", "complaint"),
            ("I want to talk to a real person", "contact_human_agent"),
            ("this is the worst service, I want to complain", "complaint"),
            ("get me an agent now", "contact_human_agent"),
            ("how do I change my delivery address?", "change_address"),
            ("what payment methods do you take?", "payment_methods"),
            ("can I track my order?", "track_order"),
            ("how do I open an account", "create_account"),
        ] * 3
        lines = ["flags,utterance,category,intent"]
        lines += [f'B,"{text} {i}",X,{intent}' for i, (text, intent) in enumerate(rows)]
        (bitext / "utterances.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for name, negative, other in (
            ("english", "so angry my parcel is lost again", "lovely weather today"),
            ("french", "nul mon colis est encore perdu", "il fait beau aujourd'hui"),
        ):
            for split in ("val", "test"):
                body = "text,label\n" + "".join(
                    f"{negative} {i},negative\n{other} {i},neutral\n" for i in range(3)
                )
                (sentiment / f"{name}-{split}.csv").write_text(body, encoding="utf-8")
        held_out = tmp_path / "held"
        held_out.mkdir()
        (held_out / "held_out_fr.yml").write_text(
            'version: "3.1"\nnlu:\n- intent: opening_hours\n  examples: |\n'
            "    - vous ouvrez à quelle heure ?\n    - horaires du magasin\n",
            encoding="utf-8",
        )
        chart = tmp_path / "suite.png"
        result = subprocess.run(
            [
                sys.executable, "-m", "bot", "handoff-eval", f"--datasets={datasets}",
                f"--held-out={held_out}", f"--chart={chart}",
            ],
            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        out = result.stdout
        bitext_line = next(line for line in out.splitlines() if line.startswith("bitext"))
        assert int(bitext_line.split()[1]) < len(rows)  # the tuning fifth is not scored
        assert "sentiment en" in out and "sentiment fr" in out and "sentiment all" in out
        routine = next(line for line in out.splitlines() if line.startswith("routine fr"))
        assert routine.split()[2:4] == ["2", "0"]
        assert "chosen on its tuning fifth" in out
        assert "chosen on the *-val.csv files" in out
        assert chart.stat().st_size > 0

    def test_the_command_says_where_the_sets_are_missing(self, tmp_path: Path) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "handoff-eval", f"--datasets={tmp_path}"],
            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert result.returncode == 2
        assert f"no shared datasets under {tmp_path}" in result.stderr
