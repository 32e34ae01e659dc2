"""Publish planning: ledger, deadlines and timeliness, notices, revisions, retention. Pure data: no HTML, no printing."""
