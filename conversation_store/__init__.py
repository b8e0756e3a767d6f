"""Where conversations are kept: redacted, summarised for staff review, deleted on schedule."""
