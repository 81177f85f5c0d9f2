"""Escalation detection: is this customer frustrated, complaining, or asking for a person."""

from handoff.detection.detector import Detector, HandoffDecision, TurnContext, topic_of
from handoff.detection.settings import DetectionSettings
from handoff.detection.signals import Signal

__all__ = ["DetectionSettings", "Detector", "HandoffDecision", "Signal", "TurnContext", "topic_of"]
