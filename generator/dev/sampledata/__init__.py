"""Invented names and the sample county model (never real people)."""
