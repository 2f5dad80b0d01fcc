"""Imported by the worker pool's fork server before it forks any worker (see
:mod:`newsmill.tasks.cpu`): the stages' imports, the spaCy model, the language identifier and
the extractor's lazy parts are loaded here once, and every worker forked from it shares them."""

from newsmill.tasks import cpu

cpu.preload()
