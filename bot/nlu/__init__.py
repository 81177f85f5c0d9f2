"""Natural-language understanding: the sentence encoder, rasa components, benchmark, tests."""
