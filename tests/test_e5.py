"""The multilingual encoder: offline, shared by rasa and the detector, computed once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from handoff.detection.sentence_encoder import E5Encoder, normalise

ROOT = Path(__file__).resolve().parents[1]

# Any attempt to reach the network fails loudly in the child process.
NO_NETWORK = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
"""


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder.shared()


def test_loads_and_encodes_offline_without_network() -> None:
    code = NO_NETWORK + (
        "from handoff.detection.sentence_encoder import E5Encoder\n"
        "v = E5Encoder().encode(['où est ma commande ?', 'where is my order?'])\n"
        "print(v.shape, round(float(v[0] @ v[1]), 2))\n"
    )
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shape, similarity = result.stdout.rsplit(" ", 1)
    assert shape == "(2, 384)"
    assert float(similarity) > 0.85  # the same question in two languages


def test_shape_unit_length_and_languages(encoder: E5Encoder) -> None:
    vectors = encoder.encode(["¿cuánto cuesta el envío?", "how much is shipping?", "hola"])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert encoder.encode([]).shape == (0, 384)


def test_the_cache_computes_each_text_once(encoder: E5Encoder) -> None:
    before = encoder.computed
    first = encoder.encode(["a text seen twice 1", "another one 1", "a text seen twice 1"])
    assert encoder.computed - before == 2
    again = encoder.encode_one("  a text seen   twice 1 ")  # the same once normalised
    assert encoder.computed - before == 2
    np.testing.assert_array_equal(again, first[0])


def test_normalise_clips_and_collapses_spaces() -> None:
    assert normalise("  hello\n  there ") == "hello there"
    assert len(normalise("x " * 5000)) == 1000


def test_rasa_and_the_detector_encode_a_message_once(tmp_path: Path) -> None:
    """A real rasa NLU model with the E5 featurizer parses a message; the detector then
    decides on the same message: the encoder computed its vector exactly once."""
    from bot.nlu.offline import NluModel, train_nlu_model
    from handoff.detection import DetectionSettings, Detector, TurnContext
    from handoff.detection.classifier import ComplaintClassifier
    from handoff.detection.examples import Example

    config = tmp_path / "config.yml"
    config.write_text(
        "language: en\npipeline:\n"
        "  - name: WhitespaceTokenizer\n"
        "  - name: bot.nlu.components.E5Featurizer\n"
        "  - name: bot.nlu.components.LinearIntentClassifier\n"
    )
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n'
        "- intent: greet\n  examples: |\n    - hello\n    - hi there\n    - bonjour\n"
        "- intent: delivery\n  examples: |\n    - where is my parcel\n    - delivery times\n"
    )
    model, _ = train_nlu_model(config, nlu, tmp_path / "models", "tiny")
    examples = [
        Example("my parcel never came", True, "missing_order", "en", "test"),
        Example("the lamp arrived broken", True, "damaged_item", "en", "test"),
        Example("how long is delivery?", False, "question", "en", "test"),
        Example("thanks a lot", False, "thanks", "en", "test"),
    ]
    detector = Detector(DetectionSettings(), ComplaintClassifier.train(examples))
    encoder = E5Encoder.shared()
    text = "mon colis n'est jamais arrivé, 4512"
    with NluModel.open(model) as nlu_model:
        before = encoder.computed
        prediction = nlu_model.predict(text)
        after_parse = encoder.computed
        decision = detector.decide(TurnContext(text, prediction.intent, prediction.confidence))
    assert prediction.intent in {"greet", "delivery"}
    assert after_parse - before == 1  # rasa's featurizer encoded it
    assert encoder.computed == after_parse  # the detector reused that vector
    assert 0.0 <= decision.negativity <= 1.0
