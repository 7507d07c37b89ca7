"""`python -m releasewatch`: the same as the `releasewatch` command."""

from releasewatch.cli import main

main()
