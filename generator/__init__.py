"""Yikatong generator: approved payment batches → masked static disclosure site.

Stages, one module each: ``load`` → ``validate`` → ``audit`` (cross-checks) → ``mask`` →
``render`` → ``search_index`` → ``site`` (mkdocs) → ``scan``; ``build`` runs them in order.
Shared helpers: ``errors``, ``idnumber``, ``county``, ``workdays``, ``schema``.
"""

__version__ = "0.1.0"
