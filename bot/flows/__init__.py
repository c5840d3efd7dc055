"""Conversation flows: each module owns the states whose names start with its topic."""
