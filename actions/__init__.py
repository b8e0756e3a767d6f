"""Custom actions and domain logic of the back-pain assistant (loaded by rasa-sdk)."""
