"""newsmill: scheduled ingestion and enrichment of news articles into DuckDB."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsmill")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+local"

USER_AGENT = f"newsmill/{__version__} (+https://github.com/newsmill/newsmill)"
