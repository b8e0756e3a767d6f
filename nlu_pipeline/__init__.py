"""The project's own spaCy pipeline for Rasa's SpacyNLP (no model download)."""
