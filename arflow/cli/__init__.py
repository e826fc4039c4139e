"""The `arflow` command line (Typer + Rich)."""
