"""Privacy: the one masker (the privacy floor) and the leak scan."""
