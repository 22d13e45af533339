#!/usr/bin/env python3
"""`python build.py …`: the factsheet command line (the same as the installed `factsheet`)."""

from factsheet.cli import main

if __name__ == "__main__":
    main()
