"""supportloop: glue only (CLI entry, configuration, home-directory paths).

The stages live in their own top-level packages: serve/, feedback/, retrain/, eval/ and the bundled
corpus in corpus/. Data flows one way: serve → feedback → retrain → eval → registry → serve.
"""

__version__ = "0.1.0"
