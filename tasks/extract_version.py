"""The extractor's version, recorded with every article (``articles.extractor_version``) and
compared on a re-run to decide whether a page needs extracting again.

Its own module, without trafilatura: the ``ingest`` command records and compares it but never
extracts itself (its workers do), and importing the extractor there cost ~20 MB of the command's
memory (trafilatura, py3langid with numpy, justext, htmldate; issue 16). Bump ``newsmill-N`` when
extraction changes what it produces; ``tasks/extract.py`` re-exports it.
"""

from importlib.metadata import version

EXTRACTOR_VERSION = f"trafilatura-{version('trafilatura')}+newsmill-3"
