"""Front ends: the flake8 plugin, the command line with its reports and fixes, and the
language server. They share :mod:`.core`, so that each reports what ``flake8 --select
ASR`` reports."""
