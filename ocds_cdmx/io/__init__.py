"""Input and output: JSON in (streamed) and out (atomic, one package writer), spreadsheets as rows,
scratch storage on disk, and the worker pool."""
