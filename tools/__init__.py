"""Operator tooling: starting the servers, project checks around Rasa, the benchmark."""
