"""Custom actions for rasa (rasa-sdk), run in-process by the framework."""
