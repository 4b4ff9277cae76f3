"""The bottom layer, which imports nothing else of the toolkit: errors, findings, results and exit codes,
options, and what OCDS says once for every pipeline."""
