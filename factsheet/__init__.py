"""factsheet: compile Markdown fact sheets into print-ready, accessible PDFs."""

__version__ = "0.1.0"
