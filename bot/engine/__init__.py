"""The conversation engine: rasa, its models and the custom actions it runs."""

from bot.engine.project import RasaProject, ensure_model, train
from bot.engine.rasa_engine import RasaEngine

__all__ = ["RasaEngine", "RasaProject", "ensure_model", "train"]
