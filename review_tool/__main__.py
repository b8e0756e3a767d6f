"""`python -m review_tool`: serve the staff review tool (REVIEW_HOST, REVIEW_PORT)."""

from .server import main

main()
