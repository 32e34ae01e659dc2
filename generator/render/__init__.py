"""Render: the one Jinja environment, data pages, notices, statistics pages, charts, downloads, the Excel template."""
