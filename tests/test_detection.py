"""The handoff detector's pure pieces: signals, their combination, topics, the classifier,
and the evaluation metrics and command."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from handoff.detection import DetectionSettings, Detector, Signal, TurnContext, signals, topic_of
from handoff.detection.settings import ClassifierOptions, SignalSettings
from handoff.evaluation import (
    Confusion,
    EvaluationError,
    LabelledText,
    average_ranks,
    f1,
    format_table,
    precision,
    read_labelled,
    recall,
    roc_auc,
    summarise,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data/handoff/frustration.yml"


# Trained once on the repo's examples, then loaded from here (named by the data's hash).
CACHE = ClassifierOptions(cache_dir=str(ROOT / "models/detector"))


@pytest.fixture(scope="module")
def detector() -> Detector:
    """The detector with default settings, its classifier trained on the repo's examples."""
    return Detector.from_settings(DetectionSettings(classifier=CACHE), EXAMPLES)


class TestSignals:
    def test_complaint_fires_from_the_minimum_probability(self) -> None:
        assert signals.complaint(0.734, 0.5) == Signal("complaint", 0.734, "complaint 0.73")
        assert signals.complaint(0.5, 0.5) is not None
        assert signals.complaint(0.49, 0.5) is None

    def test_complaint_intent_needs_the_intent_and_a_confidence(self) -> None:
        fired = signals.complaint_intent("complaint", 0.9, ["complaint"])
        assert fired == Signal("complaint_intent", 0.9, "complaint intent 0.90")
        assert signals.complaint_intent("greet", 0.9, ["complaint"]) is None
        assert signals.complaint_intent("complaint", None, ["complaint"]) is None

    @pytest.mark.parametrize(
        "text",
        [
            "can I speak to a real person please",
            "put me through to your customer service",
            "agent",
            "je veux parler à un conseiller",
            "ich möchte mit einem Mitarbeiter sprechen",
            "quiero hablar con una persona",
            "posso parlare con un operatore?",
            "quero falar com um atendente",
            "you aren't helping, how do I contact a human?",
            "contact someone please",
        ],
    )
    def test_asked_for_human_in_so_many_words(self, text: str) -> None:
        assert signals.asked_for_human(text, None, ["request_human"]) == Signal(
            "asked_for_human", 1.0, "asked for a person"
        )

    def test_asked_for_human_by_intent_and_not_otherwise(self) -> None:
        assert signals.asked_for_human("hmm", "request_human", ["request_human"]) is not None
        assert signals.asked_for_human("where is my order?", "order_status", []) is None
        assert signals.asked_for_human("the agent's reply was helpful", None, []) is None
        assert signals.asked_for_human("how do I contact customer service?", None, []) is None
        assert signals.asked_for_human("contact details of the shop", None, []) is None

    def test_fallbacks_count_in_words(self) -> None:
        assert signals.fallbacks(2, 2) == Signal("fallbacks", 1.0, "two fallbacks in a row")
        assert signals.fallbacks(7, 2) == Signal("fallbacks", 1.0, "7 fallbacks in a row")
        assert signals.fallbacks(1, 2) is None

    def test_low_confidence_grows_as_confidence_falls(self) -> None:
        fired = signals.low_confidence(0.2, 0.4)
        assert fired is not None
        assert fired.strength == pytest.approx(0.5)
        assert fired.reason == "low confidence 0.20"
        assert signals.low_confidence(0.4, 0.4) is None
        assert signals.low_confidence(None, 0.4) is None

    def test_repetition_of_an_earlier_message(self) -> None:
        earlier = ("Where is my order FH-1234?", "hello")
        fired = signals.repetition("where is my order FH-1234", earlier)
        assert fired == Signal("repetition", 1.0, "repeated themselves")
        assert signals.repetition("can I pay by card instead?", earlier) is None
        assert signals.repetition("ok", ("ok",)) is None  # too short to tell

    def test_negative_trend_needs_a_full_rising_window(self) -> None:
        fired = signals.negative_trend(0.9, (0.5, 0.6), 3)
        assert fired is not None
        assert fired.strength == pytest.approx(2.0 / 3)
        assert fired.reason == "upset over 3 messages"
        assert signals.negative_trend(0.9, (0.6,), 3) is None  # too few messages
        assert signals.negative_trend(0.5, (0.9, 0.6), 3) is None  # getting better
        assert signals.negative_trend(0.4, (0.3, 0.35), 3) is None  # calm on average

    def test_shouting(self) -> None:
        assert signals.shouting("WHERE IS MY PARCEL") == Signal("shouting", 1.0, "shouting")
        assert signals.shouting("where is my parcel") is None
        assert signals.shouting("OK FH-1234!") is None  # too few letters to tell
        assert signals.shouting("I ordered the OAK TABLE last week") is None

    def test_insult_names_the_word(self) -> None:
        assert signals.insult("you are all USELESS") == Signal(
            "insult", 1.0, "strong words ('useless')"
        )
        assert signals.insult("c'est une arnaque") is not None
        assert signals.insult("is the sofa useful for a small flat?") is None

    def test_emphasis(self) -> None:
        assert signals.emphasis("why???") == Signal("emphasis", 1.0, "emphatic punctuation")
        fired = signals.emphasis("really?!")
        assert fired is not None
        assert fired.strength == pytest.approx(2 / 3)
        assert signals.emphasis("thanks!") is None

    def test_public_complaint_and_vip(self) -> None:
        assert signals.public_complaint(True, 0.8, 0.5) == Signal(
            "public_complaint", 0.8, "complaint in public"
        )
        assert signals.public_complaint(False, 0.8, 0.5) is None
        assert signals.public_complaint(True, 0.4, 0.5) is None
        assert signals.vip("Gold", ["vip", "gold"], 0.35) == Signal("vip", 1.0, "Gold customer")
        assert signals.vip("gold", ["vip", "gold"], 0.1) is None
        assert signals.vip(None, ["vip"], 0.9) is None


def settings_with(threshold: float, **weights: float | None) -> DetectionSettings:
    """Only the named signals count (None: named but switched off); every other is off."""
    table = {name: SignalSettings(weight=0.0) for name in DetectionSettings().signals}
    for name, weight in weights.items():
        table[name] = SignalSettings(1.0, False) if weight is None else SignalSettings(weight)
    return DetectionSettings(threshold=threshold, signals=table)


class TestCombination:
    SHOUTED = "THIS IS NOT WHAT I ORDERED"

    def test_noisy_or_of_weighted_strengths(self, detector: Detector) -> None:
        mine = Detector(settings_with(0.65, complaint=0.6, shouting=0.4), detector.classifier)
        decision = mine.decide_with(TurnContext(self.SHOUTED), 0.8)
        # 1 - (1 - 0.6 * 0.8) * (1 - 0.4 * 1.0)
        assert decision.score == pytest.approx(0.688)
        assert decision.escalate
        assert [s.name for s in decision.signals] == ["complaint", "shouting"]
        assert decision.reason == "complaint 0.80, shouting"
        assert decision.negativity == 0.8
        assert decision.topic == "orders"

    def test_threshold(self, detector: Detector) -> None:
        mine = Detector(settings_with(0.7, complaint=0.6, shouting=0.4), detector.classifier)
        decision = mine.decide_with(TurnContext(self.SHOUTED), 0.8)
        assert decision.score == pytest.approx(0.688)
        assert not decision.escalate

    def test_disabled_and_zero_weight_signals_do_not_count(self, detector: Detector) -> None:
        settings = settings_with(0.5, complaint=0.6, shouting=None, insult=0.0)
        decision = Detector(settings, detector.classifier).decide_with(
            TurnContext("USELESS SCAMMERS, THE LOT OF YOU"), 0.8
        )
        assert [s.name for s in decision.signals] == ["complaint"]
        assert decision.score == pytest.approx(0.48)
        assert not decision.escalate

    def test_a_strong_weight_is_capped_at_certainty(self, detector: Detector) -> None:
        mine = Detector(settings_with(0.99, emphasis=5.0), detector.classifier)
        decision = mine.decide_with(TurnContext("hello??"), 0.1)
        assert decision.score == 1.0
        assert decision.escalate

    def test_nothing_fired(self, detector: Detector) -> None:
        decision = detector.decide_with(TurnContext("what time do you open?"), 0.1)
        assert decision.signals == ()
        assert decision.score == 0.0
        assert decision.reason == "no signal"
        assert not decision.escalate

    def test_decide_uses_the_classifier_and_names_the_topic(self, detector: Detector) -> None:
        context = TurnContext("my parcel never arrived and nobody answers, I'm furious")
        probability = detector.classifier.probability(context.text)
        topic = detector.classifier.topic_of(detector.classifier.embed([context.text])[0])
        decision = detector.decide(context)
        assert decision == detector.decide_with(context, probability, topic=topic)
        assert decision.escalate
        assert topic in {"missing_order", "late_delivery", "service"}
        assert decision.signals[0].reason.startswith(f"complaint {probability:.2f}: ")


class TestTopic:
    @pytest.mark.parametrize(
        ("text", "intent", "topic"),
        [
            ("I want my money back", "order_status", "orders"),  # the intent wins
            ("you charged my card twice", None, "payments"),
            ("where is my refund for the order", None, "returns"),
            ("mein Paket wurde nicht geliefert", None, "delivery"),
            ("j'ai oublié le code de mon compte", None, "account"),
            ("¿dónde está mi pedido?", "an_unknown_intent", "orders"),
            ("hello there", None, None),
        ],
    )
    def test_topic_of(self, text: str, intent: str | None, topic: str | None) -> None:
        assert topic_of(text, intent) == topic


class TestClassifier:
    FRUSTRATED = (
        "I've been waiting for my refund for six weeks and I'm furious",
        "worst service ever, the bed arrived broken and nobody answers",
        "c'est honteux, personne ne répond et le colis est cassé",
        "ich bin so enttäuscht, die Lieferung ist schon wieder zu spät",
        "estoy harta, el pedido llegó roto y nadie me contesta",
        "sono furiosa, il rimborso non è mai arrivato",
        "péssimo atendimento, estou muito irritada",
        "bahut bekar service, koi jawab nahi deta",
        "मैं बहुत परेशान हूँ, ऑर्डर अभी तक नहीं आया",
        "خدمة سيئة جداً ولا أحد يرد",
    )
    CALM = (
        "what time does the bristol store open on sunday?",
        "thank you, the lamp looks lovely",
        "bonjour, livrez-vous le samedi ?",
        "vielen Dank, alles ist gut angekommen",
        "¿tenéis la mesa de roble en blanco?",
        "grazie, buona serata",
        "obrigado pela ajuda, até logo",
        "shukriya, order mil gaya",
        "धन्यवाद, सब ठीक है",
        "شكراً لكم، يوم سعيد",
    )

    def test_frustrated_and_calm_messages_are_separated(self, detector: Detector) -> None:
        frustrated = detector.classifier.probabilities(self.FRUSTRATED)
        calm = detector.classifier.probabilities(self.CALM)
        assert min(frustrated) > 0.5, dict(zip(self.FRUSTRATED, frustrated, strict=True))
        assert max(calm) < 0.5, dict(zip(self.CALM, calm, strict=True))
        # One message takes einsum, many take BLAS: float32 sums in another order.
        assert detector.classifier.probability(self.CALM[0]) == pytest.approx(calm[0], abs=1e-6)


class TestMetrics:
    PREDICTED = (True, True, False, False, True)
    ACTUAL = (True, False, True, False, True)

    def test_confusion_and_its_ratios(self) -> None:
        confusion = Confusion.of(self.PREDICTED, self.ACTUAL)
        assert confusion == Confusion(2, 1, 1, 1)
        assert (confusion.rows, confusion.positives, confusion.predicted_positives) == (5, 3, 3)
        assert confusion.precision == pytest.approx(2 / 3)
        assert confusion.recall == pytest.approx(2 / 3)
        assert confusion.f1 == pytest.approx(2 / 3)
        # negative class: precision 1/2, recall 1/2, F1 1/2
        assert confusion.macro_f1 == pytest.approx((2 / 3 + 1 / 2) / 2)

    def test_empty_denominators_give_zero(self) -> None:
        assert precision(0, 0) == 0.0
        assert recall(0, 0) == 0.0
        assert f1(0.0, 0.0) == 0.0
        assert f1(1.0, 0.5) == pytest.approx(2 / 3)
        assert Confusion.of([False, False], [True, False]).f1 == 0.0

    def test_average_ranks_share_ties(self) -> None:
        assert average_ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]
        assert average_ranks([0.5, 0.5, 0.5]) == [2.0, 2.0, 2.0]
        assert average_ranks([]) == []

    def test_roc_auc(self) -> None:
        assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
        assert roc_auc([0.1, 0.9], [False, True]) == 1.0
        assert roc_auc([0.1, 0.9], [True, False]) == 0.0

    def test_roc_auc_counts_ties_half(self) -> None:
        # positives 0.5, 0.9; negatives 0.5, 0.2: pairs 0.5 (tie), 1, 1, 1 -> 3.5 / 4
        assert roc_auc([0.5, 0.5, 0.2, 0.9], [True, False, False, True]) == 0.875
        assert roc_auc([0.3, 0.3, 0.3], [True, False, True]) == 0.5

    def test_roc_auc_needs_both_classes(self) -> None:
        assert roc_auc([0.1, 0.2], [True, True]) is None
        assert roc_auc([], []) is None

    def test_roc_auc_agrees_with_scikit_learn(self) -> None:
        rng = random.Random(7)
        scores = [rng.choice([0.0, 0.25, 0.5, 0.6, 1.0]) for _ in range(300)]
        actual = [rng.random() < score * 0.8 + 0.1 for score in scores]
        assert roc_auc(scores, actual) == pytest.approx(roc_auc_score(actual, scores))


class TestReading:
    def write(self, path: Path, text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    def test_labels_limit_and_groups_by_file(self, tmp_path: Path) -> None:
        first = self.write(tmp_path / "first.csv", "text,label\na,Neg\nb,neutral\n ,neg\nc,x\n")
        second = self.write(tmp_path / "second.csv", "\ufefftext,label\nd,neg\ne,pos\n")
        rows = read_labelled([first, second], "text", "label", ["NEG "], limit=2)
        assert rows == [
            LabelledText("a", True, "first"),  # blank texts are skipped; every 2nd row
            LabelledText("d", True, "second"),
            LabelledText("e", False, "second"),
        ]

    def test_group_by_a_column(self, tmp_path: Path) -> None:
        path = self.write(tmp_path / "x.csv", "text,label,lang\na,bad,en\nb,good,\n")
        rows = read_labelled([path], "text", "label", ["bad"], group_by="lang")
        assert [row.group for row in rows] == ["en", "(blank)"]

    def test_errors_name_what_is_wrong(self, tmp_path: Path) -> None:
        path = self.write(tmp_path / "x.csv", "text,label\na,good\n")
        with pytest.raises(EvaluationError, match=r"x\.csv has no column 'lang'; its columns are"):
            read_labelled([path], "text", "label", ["bad"], group_by="lang")
        with pytest.raises(
            EvaluationError,
            match=r"no positive rows: no 'label' is 'bad'; the values found are: good",
        ):
            read_labelled([path], "text", "label", ["bad"])
        with pytest.raises(EvaluationError, match=r"no 'label' is 'god' \(a typo\?\)"):
            read_labelled([path], "text", "label", ["good", "god"])
        with pytest.raises(EvaluationError, match=r"cannot read .*missing\.csv"):
            read_labelled([tmp_path / "missing.csv"], "text", "label", ["bad"])

    def test_table_marks_what_a_group_cannot_measure(self, detector: Detector) -> None:
        rows = [
            LabelledText("I want to talk to a human", True, "a"),
            LabelledText("thanks a lot", False, "b"),
        ]
        decisions = [detector.decide_with(TurnContext(row.text), 0.1) for row in rows]
        results = summarise(rows, decisions)
        assert [r.name for r in results] == ["a", "b", "overall"]
        lines = format_table(results).splitlines()
        assert lines[2].split() == ["a", "1", "1", "1", "1.000", "1.000", "1.000", "n/a", "n/a"]
        assert lines[3].split() == ["b", "1", "0", "0", "0.000", "n/a", "n/a", "n/a", "n/a"]
        assert lines[4].split()[-1] == "1.000"


class TestCommand:
    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "handoff-eval", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def test_prints_the_figures(self, tmp_path: Path) -> None:
        csv = tmp_path / "tickets.csv"
        csv.write_text(
            "message,kind,lang\n"
            "I want to speak to a human agent,escalate,en\n"
            "je veux parler à un conseiller,escalate,fr\n"
            "the sofa arrived broken and nobody answers my emails. worst service ever,"
            "escalate,en\n"
            "what time do you open on saturday?,routine,en\n"
            '"merci beaucoup, bonne journée",routine,fr\n'
            "thanks, the lamp is lovely,routine,en\n",
            encoding="utf-8",
        )
        chart = tmp_path / "confusion.png"
        # At threshold 1.0 only a certain signal (asking for a person, weight 1) escalates.
        result = self.run(
            str(csv),
            "--text-column=message",
            "--label-column=kind",
            "--positive=escalate",
            "--group-by=lang",
            "--threshold=1.0",
            f"--chart={chart}",
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert "6 rows from tickets.csv; positive: kind in {escalate}; threshold 1.00" in lines[0]
        overall = next(line for line in lines if line.startswith("overall")).split()
        # TP 2, FN 1, FP 0, TN 3; the complaint outscores every calm message (AUC 1).
        assert overall == ["overall", "6", "3", "2", "1.000", "0.667", "0.800", "0.829", "1.000"]
        french = next(line for line in lines if line.startswith("fr ")).split()
        assert french == ["fr", "2", "1", "1", "1.000", "1.000", "1.000", "1.000", "1.000"]
        assert chart.stat().st_size > 0
        assert "handoff-eval" in result.stderr  # the progress bar

    def test_a_missing_column_names_the_available_ones(self, tmp_path: Path) -> None:
        csv = tmp_path / "data.csv"
        csv.write_text("utterance,intent\nhello,greet\n", encoding="utf-8")
        result = self.run(str(csv), "--positive", "complaint")
        assert result.returncode == 2
        assert result.stdout == ""
        assert (
            f"error: {csv} has no column 'text'; its columns are: utterance, intent"
            in result.stderr
        )
