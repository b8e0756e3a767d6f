"""Rasa input/output channels adapted to the reply contract."""
