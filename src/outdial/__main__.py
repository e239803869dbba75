"""Allow `python -m outdial`."""

from outdial.cli import main

main()
