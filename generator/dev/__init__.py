"""Developer corner: sample data and the local preview server (the only part that imports complaints_api)."""
