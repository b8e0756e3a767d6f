"""The staff review tool: clinic staff read what patients asked and what the assistant answered.

A small aiohttp application on its own port (default 127.0.0.1:8090), beside the assistant and
on the same database: Rasa's `events`, and the tables of `conversation_store.schema`.
Start it with `python -m review_tool`; manage staff accounts with `python -m review_tool.accounts`.
"""
