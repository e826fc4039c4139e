"""The shell: CLI, settings; the only place that reads the wall clock."""
